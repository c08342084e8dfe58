package gatewaytest

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
)

// StartNode runs `consentgw serve -c file` with env added to its environment, the way a
// cluster runs one configuration file on every node with per-node overrides
// (CONSENTGW_NODE_NAME, CONSENTGW_SIP_LISTEN, ...). It returns once /readyz answers 200.
func StartNode(t testing.TB, file string, env []string) *Process {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test builds and runs the consentgw binary")
	}
	cfg, err := config.Load(file, append(os.Environ(), env...))
	if err != nil {
		t.Fatalf("node configuration: %v", err)
	}
	return startProcess(t, cfg, file, env)
}

// Binary is the consentgw binary the processes run, built once per test binary, for
// tests that run its other commands (consentgw drain).
func Binary(t testing.TB) string { return buildBinary(t) }

// Signal sends sig to the running process.
func (p *Process) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if p.proc == nil {
		t.Fatal("consentgw is not running")
	}
	if err := p.proc.Signal(sig); err != nil {
		t.Fatalf("signalling consentgw: %v", err)
	}
}

// WaitExit waits until the process exits on its own and returns its exit code.
func (p *Process) WaitExit(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.proc.Done():
	case <-time.After(timeout):
		t.Fatalf("consentgw still running after %v:\n%s", timeout, p.Logs())
	}
	code := p.proc.ExitCode()
	p.proc = nil
	return code
}

// Stop ends the process with SIGTERM, as an operator's stop does (calls get a BYE,
// the spool is uploaded), and waits for it.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	p.Signal(t, syscall.SIGTERM)
	if code := p.WaitExit(t, 60*time.Second); code != 0 {
		t.Fatalf("consentgw exited %d after SIGTERM:\n%s", code, p.Logs())
	}
}

// Running reports whether the process was started and has not exited.
func (p *Process) Running() bool { return p.proc != nil && !p.proc.Exited() }
