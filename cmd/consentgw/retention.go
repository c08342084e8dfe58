package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/storage/retention"
)

// retentionCmd runs one retention sweep of the configured store, or with --dry-run
// reports what it would expire.
func retentionCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("retention", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("c", "", "configuration `FILE`: its store and its retention rules")
	dryRun := fs.Bool("dry-run", false, "only report what would expire")
	jsonOut := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return fail(stderr, "retention", usageError{""})
	}
	if fs.NArg() > 0 {
		return fail(stderr, "retention", usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))})
	}
	cfg, err := config.Load(*configFile, os.Environ())
	if err != nil {
		return fail(stderr, "retention", usageError{err.Error()})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	st, closeStore, err := openStore(ctx, cfg)
	if err != nil {
		return fail(stderr, "retention", err)
	}
	defer closeStore()
	rules := cfg.RetentionRules()
	s := &retention.Sweeper{Store: st, Rules: rules, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	report, err := s.Sweep(ctx, *dryRun)
	if err != nil {
		return fail(stderr, "retention", err)
	}
	if *jsonOut {
		json.NewEncoder(stdout).Encode(report)
		return exitOK
	}
	printRetention(stdout, rules, report)
	return exitOK
}

func printRetention(w io.Writer, rules retention.Rules, r retention.Report) {
	if len(rules) == 0 {
		fmt.Fprintln(w, "no retention rules: calls are kept until erased (set storage.retention or retention)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL\tROUTE\tREGION\tRULE\tKEEP\tSTARTED\tOBJECTS\tHELD BY")
	for _, group := range [][]retention.Expired{r.Calls, r.Held} {
		for _, c := range group {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%v\n", c.ID, c.Route, c.Region, c.Rule, c.Keep, c.StartedAt.Format(time.RFC3339), len(c.Keys), c.Holds)
		}
	}
	tw.Flush()
	for _, k := range r.Orphans {
		fmt.Fprintf(w, "orphan %s\n", k)
	}
	verb := "expired"
	if r.DryRun {
		verb = "would expire"
	}
	fmt.Fprintf(w, "%s %d calls and %d orphaned objects (%d objects); %d due calls kept by legal holds\n", verb, len(r.Calls), len(r.Orphans), r.Objects, len(r.Held))
}
