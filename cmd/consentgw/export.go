package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/consentgw/consentgw/consent/rights"
)

// export sends an export request, downloads the bundle to -o and checks its sha256.
func export(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f clientFlags
	var out string
	var expires time.Duration
	err := parseClient("export", args, stdin, stderr, &f, subjectRequired, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "write the bundle to `FILE.zip`")
		fs.DurationVar(&expires, "expires", 0, "how long the bundle and its link last (default: exports.expires of the gateway)")
	})
	if err == nil && out == "" {
		err = usageError{"-o FILE.zip is required"}
	}
	if err != nil {
		return fail(stderr, "export", err)
	}
	var fields map[string]any
	if expires > 0 {
		fields = map[string]any{"expires": expires.String()}
	}
	body, err := f.payload(fields)
	if err != nil {
		return fail(stderr, "export", usageError{err.Error()})
	}
	raw, err := f.call(rights.VerbExport, body)
	if err != nil {
		return fail(stderr, "export", err)
	}
	var res rights.ExportResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return fail(stderr, "export", fmt.Errorf("the gateway's reply is not an export result: %w", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	if err := download(ctx, res.URL, out, res.SHA256, res.Size, stderr); err != nil {
		return fail(stderr, "export", err)
	}
	if f.jsonOut {
		fmt.Fprintf(stdout, "%s\n", raw)
		return exitOK
	}
	fmt.Fprintf(stdout, "exported %d recordings and %d receipts to %s (%d bytes, sha256 %s; request %s, link valid until %s)\n",
		res.Recordings, res.Receipts, out, res.Size, res.SHA256, res.RequestID, res.ExpiresAt.Format(time.RFC3339))
	return exitOK
}
