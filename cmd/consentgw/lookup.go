package main

import (
	"fmt"
	"io"
	"time"

	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/subject"
)

// lookup asks what the store holds of a subject (counts and keys, no audio).
func lookup(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f clientFlags
	if err := parseClient("lookup", args, stdin, stderr, &f, subjectRequired, nil); err != nil {
		return fail(stderr, "lookup", err)
	}
	var res rights.LookupResult
	return f.answer("lookup", rights.VerbLookup, nil, &res, stdout, stderr, func() {
		fmt.Fprintf(stdout, "%s subject %s: %d calls, %d receipts, %d recordings, %d export bundles, %d legal holds (request %s)\n",
			res.SubjectType, subject.Redact(res.SubjectKey), res.Calls, res.Receipts, res.Recordings, res.Exports, len(res.Holds), res.RequestID)
		if res.Calls > 0 {
			fmt.Fprintf(stdout, "calls from %s to %s\n", res.FirstCallAt.Format(time.RFC3339), res.LastCallAt.Format(time.RFC3339))
		}
		for _, group := range []struct {
			name string
			keys []string
		}{{"receipt", res.Keys.Receipts}, {"recording", res.Keys.Recordings}, {"metadata", res.Keys.Metadata}, {"index", res.Keys.Index}, {"export", res.Keys.Exports}} {
			for _, k := range group.keys {
				fmt.Fprintf(stdout, "%-9s %s\n", group.name, k)
			}
		}
		for _, h := range res.Holds {
			fmt.Fprintf(stdout, "hold      %s (%s) on %s %s\n", h.ID, h.Reason, h.Kind, h.Call)
		}
	})
}
