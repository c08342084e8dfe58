package sipptest

import (
	"os/exec"
	"testing"
)

// RequireSIPp fails the test when the sipp binary is missing. It skips only under
// -short (the fast tier, which runs no outside binary and needs no root): the whole
// suite must not pass silently on a machine without SIPp.
func RequireSIPp(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: SIPp places this call (the fast tier runs no outside binary)")
	}
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatalf("sipp is required (%v): install it with `apt-get install -y sip-tester` (SIPp 3.6.1)", err)
	}
}
