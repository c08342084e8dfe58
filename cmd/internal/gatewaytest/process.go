package gatewaytest

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/sip/proctest"
)

// Process is a gateway running as its own OS process, for tests that kill it (SIGKILL
// mid-call) and start it again on the same data directory.
type Process struct {
	Config  *config.Config
	SIPPort int
	bin     string
	cfgFile string
	logFile string
	env     []string       // added to the test's environment: per-node overrides
	proc    *proctest.Proc // the running process; nil once killed or waited for
}

// binary builds the gateway once per test binary.
var binary struct {
	once sync.Once
	path string
	err  error
}

func buildBinary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "consentgw-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "consentgw")
		cmd := exec.Command("go", "build", "-o", binary.path, "./cmd/consentgw")
		cmd.Dir = sipptest.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = &buildError{out: string(out), err: err}
		}
	})
	if binary.err != nil {
		t.Fatalf("building consentgw: %v", binary.err)
	}
	return binary.path
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// StartProcess writes cfg to a file and runs `consentgw serve -c FILE` until the test
// ends; it returns once /readyz answers 200.
func StartProcess(t testing.TB, cfg *config.Config) *Process {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test builds and runs the consentgw binary")
	}
	body, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "consentgw.yaml")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return startProcess(t, cfg, file, nil)
}

// startProcess runs the gateway on file, cfg being what it holds, with env added to the
// test's environment, until the test ends.
func startProcess(t testing.TB, cfg *config.Config, file string, env []string) *Process {
	t.Helper()
	p := &Process{
		Config:  cfg,
		SIPPort: SIPPort(cfg),
		bin:     buildBinary(t),
		cfgFile: file,
		logFile: filepath.Join(t.TempDir(), "consentgw.log"),
		env:     env,
	}
	t.Cleanup(p.Kill)
	p.Start(t)
	return p
}

// Start (re)starts the process on its config and waits until it is ready.
func (p *Process) Start(t testing.TB) {
	t.Helper()
	log, err := os.OpenFile(p.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(p.bin, "serve", "-c", p.cfgFile)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = log, log
	if p.proc, err = proctest.Start(cmd); err != nil {
		t.Fatal(err)
	}
	url := "http://" + p.Config.HTTP.Listen + "/readyz"
	err = p.proc.WaitReady(60*time.Second, 20*time.Millisecond, func() bool {
		res, err := http.Get(url)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	switch {
	case errors.Is(err, proctest.ErrExited):
		t.Fatalf("consentgw exited at start:\n%s", p.Logs())
	case err != nil:
		t.Fatalf("consentgw %v:\n%s", err, p.Logs())
	}
}

// Kill ends the process with SIGKILL, as a crash or an OOM kill would, and waits for it.
func (p *Process) Kill() {
	if p.proc == nil {
		return
	}
	p.proc.Kill()
	p.proc = nil
}

// Addr is the gateway's SIP address.
func (p *Process) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.SIPPort) }

// Logs is everything the process wrote so far.
func (p *Process) Logs() string {
	b, _ := os.ReadFile(p.logFile)
	return string(b)
}
