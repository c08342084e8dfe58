package gatewaytest

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
)

// Process is a gateway running as its own OS process, for tests that kill it (SIGKILL
// mid-call) and start it again on the same data directory.
type Process struct {
	Config  *config.Config
	SIPPort int
	bin     string
	cfgFile string
	logFile string
	cmd     *exec.Cmd
	exited  chan struct{}
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
	dir := t.TempDir()
	body, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{
		Config:  cfg,
		SIPPort: SIPPort(cfg),
		bin:     buildBinary(t),
		cfgFile: filepath.Join(dir, "consentgw.yaml"),
		logFile: filepath.Join(dir, "consentgw.log"),
	}
	if err := os.WriteFile(p.cfgFile, body, 0o600); err != nil {
		t.Fatal(err)
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
	p.cmd = exec.Command(p.bin, "serve", "-c", p.cfgFile)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	p.exited = exited
	go func(cmd *exec.Cmd) { cmd.Wait(); close(exited) }(p.cmd)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := "http://" + p.Config.HTTP.Listen + "/readyz"
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("consentgw exited at start:\n%s", p.Logs())
		case <-ctx.Done():
			t.Fatalf("consentgw not ready after 60s:\n%s", p.Logs())
		case <-tick.C:
		}
	}
}

// Kill ends the process with SIGKILL, as a crash or an OOM kill would, and waits for it.
func (p *Process) Kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
	p.cmd = nil
}

// Addr is the gateway's SIP address.
func (p *Process) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.SIPPort) }

// Logs is everything the process wrote so far.
func (p *Process) Logs() string {
	b, _ := os.ReadFile(p.logFile)
	return string(b)
}
