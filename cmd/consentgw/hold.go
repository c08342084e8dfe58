package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/consentgw/consentgw/consent/hold"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/subject"
)

// holdCmd places a legal hold on a subject or a call.
func holdCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f clientFlags
	var call, reason string
	err := parseClient("hold", args, stdin, stderr, &f, subjectOptional, func(fs *flag.FlagSet) {
		fs.StringVar(&call, "call", "", "hold one call: its receipt or recording `ID` (or key)")
		fs.StringVar(&reason, "reason", "", "why the data must be kept (a case, a claim); required")
	})
	switch {
	case err != nil:
	case (f.subject == "") == (call == ""):
		err = usageError{"give --subject TYPE:VALUE or --call ID"}
	case reason == "":
		err = usageError{"--reason is required: say why the data must be kept"}
	}
	if err != nil {
		return fail(stderr, "hold", err)
	}
	var res rights.HoldResult
	return f.answer("hold", rights.VerbHold, map[string]any{"call": call, "reason": reason}, &res, stdout, stderr, func() {
		fmt.Fprintf(stdout, "legal hold %s placed on %s: %s\n", res.Hold.ID, target(res.Hold), res.Hold.Reason)
	})
}

// release lifts holds: one by id, or every hold on a subject or call.
func release(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f clientFlags
	var call, id, reason string
	err := parseClient("release", args, stdin, stderr, &f, subjectOptional, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "hold", "", "the hold's `ID` (the request id that placed it)")
		fs.StringVar(&call, "call", "", "release every hold on this call `ID`")
		fs.StringVar(&reason, "reason", "", "why the hold ends, for the audit trail")
	})
	if err == nil {
		n := 0
		for _, s := range []string{id, call, f.subject} {
			if s != "" {
				n++
			}
		}
		if n != 1 {
			err = usageError{"give one of --hold ID, --subject TYPE:VALUE or --call ID"}
		}
	}
	if err != nil {
		return fail(stderr, "release", err)
	}
	var res rights.ReleaseResult
	return f.answer("release", rights.VerbRelease, map[string]any{"hold": id, "call": call, "reason": reason}, &res, stdout, stderr, func() {
		for _, h := range res.Released {
			fmt.Fprintf(stdout, "legal hold %s on %s released\n", h.ID, target(h))
		}
	})
}

// holds lists the holds in force.
func holds(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f clientFlags
	if err := parseClient("holds", args, stdin, stderr, &f, subjectNone, nil); err != nil {
		return fail(stderr, "holds", err)
	}
	var res rights.HoldsResult
	return f.answer("holds", rights.VerbHolds, nil, &res, stdout, stderr, func() {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "HOLD\tON\tPLACED\tBY\tREASON")
		for _, h := range res.Holds {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.ID, target(h), h.PlacedAt.Format(time.RFC3339), h.RequestedBy, h.Reason)
		}
		tw.Flush()
	})
}

func target(h hold.Hold) string {
	if h.Kind == hold.OnCall {
		return "call " + h.Call
	}
	return h.SubjectType + " subject " + subject.Redact(h.SubjectKey)
}
