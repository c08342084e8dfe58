package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/consentgw/consentgw/consent/rights"
)

// stats counts decisions by day, route, method and mode, over live receipts and the
// anonymous statistics of erased ones.
func stats(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f clientFlags
	var from, to, route string
	err := parseClient("stats", args, stdin, stderr, &f, subjectNone, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "first `DAY` to count, e.g. 2026-11-01 (default: six days before --to)")
		fs.StringVar(&to, "to", "", "last `DAY` to count (default: today, UTC)")
		fs.StringVar(&route, "route", "", "count this route's calls only")
	})
	if err != nil {
		return fail(stderr, "stats", err)
	}
	var res rights.StatsResult
	return f.answer("stats", rights.VerbStats, map[string]any{"from": from, "to": to, "route": route}, &res, stdout, stderr, func() {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "DAY\tROUTE\tMETHOD\tMODE\tDECISION\tCALLS\tANONYMIZED\t")
		for _, r := range res.Rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t\n", r.Day, r.Route, r.Method, r.Mode, r.Decision, r.Count, r.Anonymized)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "%s to %s: %d receipts and %d anonymized receipts counted\n", res.From, res.To, res.Receipts, res.Anonymized)
	})
}
