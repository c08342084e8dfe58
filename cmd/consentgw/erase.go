package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/subject"
)

// erase sends an erase request (SPEC §2, §6), waits and prints the result.
func erase(args []string, stdout, stderr io.Writer) int {
	var f clientFlags
	if err := parseClient("erase", args, stderr, &f, nil); err != nil {
		return fail(stderr, "erase", err)
	}
	body, err := f.payload(0)
	if err != nil {
		return fail(stderr, "erase", usageError{err.Error()})
	}
	raw, err := f.call(rights.VerbErase, body)
	if err != nil {
		return fail(stderr, "erase", err)
	}
	if f.jsonOut {
		fmt.Fprintf(stdout, "%s\n", raw)
		return exitOK
	}
	var res rights.EraseResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return fail(stderr, "erase", fmt.Errorf("the gateway's reply is not an erase result: %w", err))
	}
	nodes := ""
	if len(res.Nodes) > 0 {
		nodes = " by " + strings.Join(res.Nodes, ", ")
	}
	fmt.Fprintf(stdout, "erased %s subject %s: %d recordings, %d receipts, %d index entries, %d export bundles deleted; %d live recordings discarded%s (request %s)\n",
		res.SubjectType, subject.Redact(res.SubjectKey), res.RecordingsDeleted, res.ReceiptsDeleted, res.IndexEntriesDeleted,
		res.ExportsDeleted, res.LiveRecordingsDiscarded, nodes, res.RequestID)
	return exitOK
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
