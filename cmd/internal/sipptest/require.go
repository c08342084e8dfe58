package sipptest

import (
	"os/exec"
	"testing"
)

// RequireSIPp fails the test when the sipp binary is missing. It never
// skips: end-to-end tests must not pass silently on a machine without SIPp.
func RequireSIPp(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatalf("sipp is required (%v): install it with `apt-get install -y sip-tester` (SIPp 3.6.1)", err)
	}
}
