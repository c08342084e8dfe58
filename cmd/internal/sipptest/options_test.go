package sipptest

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestArgsKeepEverythingOnLoopbackAndBounded(t *testing.T) {
	opts := Options{
		Scenario:  "/abs/caller.xml",
		Remote:    "127.0.0.1:5060",
		LocalPort: 5070,
		MediaPort: 6000,
		Rate:      5,
		Limit:     10,
		Keys:      map[string]string{"hold": "1000", "caller": "+4512345678"},
		Timeout:   1500 * time.Millisecond,
		Args:      []string{"-trace_msg"},
	}.withDefaults()
	args := opts.args(newRunFiles("/run"), 7000)
	joined := strings.Join(args, " ")
	for _, want := range []string{
		"-sf /abs/caller.xml 127.0.0.1:5060",
		"-t u1",
		"-i 127.0.0.1", "-mi 127.0.0.1", "-ci 127.0.0.1",
		"-p 5070", "-mp 6000", "-cp 7000",
		"-m 1", "-r 5", "-l 10",
		"-nostdin",
		"-trace_err -error_file /run/errors.log",
		"-timeout 2s -timeout_error",
		"-key caller +4512345678 -key hold 1000 -trace_msg",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("args %q lack %q", joined, want)
		}
	}
	if slices.Contains(args, "-bg") {
		t.Errorf("args %q run sipp in the background", joined)
	}
}

func TestDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.Calls != 1 || o.Timeout != DefaultTimeout || o.Transport != "u1" {
		t.Errorf("defaults = calls %d, timeout %v, transport %q", o.Calls, o.Timeout, o.Transport)
	}
	if got := (Options{Transport: "t1"}).network(); got != "tcp" {
		t.Errorf("t1 network = %q, want tcp", got)
	}
}
