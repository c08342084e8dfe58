package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/subject"
)

// requests lists requests and their state (consentgw.rpc.status).
func requests(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f clientFlags
	var of, state string
	var limit int
	err := parseClient("requests", args, stdin, stderr, &f, subjectNone, func(fs *flag.FlagSet) {
		fs.StringVar(&of, "of", "", "show the request with this `ID` only")
		fs.StringVar(&state, "state", "", "show requests in this `STATE` only: pending, running, retrying, failed, rejected, completed or partial")
		fs.IntVar(&limit, "limit", 50, "show at most `N` requests, newest first")
	})
	if err != nil {
		return fail(stderr, "requests", err)
	}
	var res rights.StatusResult
	return f.answer("requests", rights.VerbStatus, map[string]any{"of": of, "state": state, "limit": limit}, &res, stdout, stderr, func() {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "REQUEST\tVERB\tSTATE\tSUBJECT\tBY\tVIA\tATTEMPTS\tUPDATED\tERROR")
		for _, r := range res.Requests {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.RequestID, r.Verb, r.State, subject.Redact(r.SubjectKey),
				r.RequestedBy, r.Via, r.Attempts, r.Updated.Format(time.RFC3339), r.Error)
		}
		tw.Flush()
	})
}
