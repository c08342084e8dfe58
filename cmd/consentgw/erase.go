package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/subject"
)

// erase sends an erase request (SPEC §2, §6), waits and prints the result; with
// --certificate it also downloads the signed certificate.
func erase(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f clientFlags
	var scope, call, certificate string
	var dryRun, confirm bool
	err := parseClient("erase", args, stdin, stderr, &f, subjectOptional, func(fs *flag.FlagSet) {
		fs.StringVar(&scope, "scope", "", "what to erase: `subject` (everything of it, the default), recordings (audio only; receipts stay) or call (one call: give --call)")
		fs.StringVar(&call, "call", "", "the receipt or recording `ID` (or key) of the call to erase; implies --scope call")
		fs.BoolVar(&dryRun, "dry-run", false, "only say what the erase would delete")
		fs.BoolVar(&confirm, "confirm", false, "allow an erase of more recordings than rights.erase_max_recordings")
		fs.StringVar(&certificate, "certificate", "", "write the signed erasure certificate to `FILE`")
	})
	if err == nil {
		if call != "" && scope == "" {
			scope = string(rights.ScopeCall)
		}
		switch {
		case scope == string(rights.ScopeCall) && (call == "" || f.subject != ""):
			err = usageError{"an erase of one call takes --call ID and no --subject"}
		case scope != string(rights.ScopeCall) && f.subject == "":
			err = usageError{"--subject is required (or --call ID for one call), e.g. --subject tel:+4512345678"}
		}
	}
	if err != nil {
		return fail(stderr, "erase", err)
	}
	body, err := f.payload(map[string]any{"scope": scope, "call": call, "dry_run": dryRun, "confirm": confirm})
	if err != nil {
		return fail(stderr, "erase", usageError{err.Error()})
	}
	raw, err := f.call(rights.VerbErase, body)
	if err != nil {
		if strings.Contains(err.Error(), "confirm") {
			err = errors.New(err.Error() + " (--confirm)")
		}
		return fail(stderr, "erase", err)
	}
	var res rights.EraseResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return fail(stderr, "erase", fmt.Errorf("the gateway's reply is not an erase result: %w", err))
	}
	if certificate != "" && res.CertificateURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
		defer cancel()
		if err := download(ctx, res.CertificateURL, certificate, "", -1, io.Discard); err != nil {
			return fail(stderr, "erase", fmt.Errorf("downloading the certificate: %w", err))
		}
	}
	if f.jsonOut {
		fmt.Fprintf(stdout, "%s\n", raw)
		return exitOK
	}
	printErase(stdout, res)
	if certificate != "" && res.CertificateURL != "" {
		fmt.Fprintf(stdout, "certificate written to %s (check it with: consentgw verify %s)\n", certificate, certificate)
	}
	return exitOK
}

func printErase(w io.Writer, res rights.EraseResult) {
	who := "call " + res.Call
	if res.SubjectKey != "" {
		who = res.SubjectType + " subject " + subject.Redact(res.SubjectKey)
	}
	verb := "erased"
	switch {
	case res.Status == rights.StatusDryRun:
		verb = "would erase"
	case res.Scope == rights.ScopeRecordings:
		verb = "erased the recordings of"
	}
	nodes := ""
	if len(res.Nodes) > 0 {
		nodes = " by " + strings.Join(res.Nodes, ", ")
	}
	fmt.Fprintf(w, "%s %s: %d keys destroyed; %d recordings, %d receipts (%d kept as anonymous statistics), %d index entries, %d export bundles deleted; %d live recordings discarded%s (request %s)\n",
		verb, who, res.KeysDestroyed, res.RecordingsDeleted, res.ReceiptsDeleted, res.ReceiptsAnonymized, res.IndexEntriesDeleted,
		res.ExportsDeleted, res.LiveRecordingsDiscarded, nodes, res.RequestID)
	for _, h := range res.Held {
		what := "everything of the subject"
		if h.Call != "" {
			what = "call " + h.Call
		}
		fmt.Fprintf(w, "kept by legal hold %s (%s): %s\n", h.Hold, h.Reason, what)
	}
	if res.Status == rights.StatusDryRun {
		for _, k := range res.WouldDelete {
			fmt.Fprintf(w, "  %s\n", k)
		}
	}
}

// fail prints one line naming the problem and returns the SPEC §2 exit status.
func fail(stderr io.Writer, cmd string, err error) int {
	var u usageError
	if errors.As(err, &u) {
		if u.msg != "" {
			fmt.Fprintf(stderr, "consentgw %s: %s\n", cmd, u.msg)
		}
		return exitUsage
	}
	fmt.Fprintf(stderr, "consentgw %s: %v\n", cmd, err)
	return exitFailed
}
