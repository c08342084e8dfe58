package sipptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/consentgw/consentgw/sip/testports"
)

// mediaPorts is how many ports SIPp binds from -mp: audio RTP and RTCP at mp and mp+1,
// video RTP and RTCP at mp+2 and mp+3, even in an audio-only scenario.
const mediaPorts = 4

// killGrace is how long after its own -timeout SIPp may take to exit before
// its process group is killed.
const killGrace = 10 * time.Second

// readyPoll is how often Ready looks at /proc/net.
const readyPoll = 5 * time.Millisecond

// Result is what a finished SIPp run left behind. SIPp exits 0 when every
// call succeeded, 1 when any call failed, 255 (-1) on a fatal error or when
// -timeout expired; ExitCode is -1 when it was killed by a signal.
type Result struct {
	ExitCode int
	Stdout   string // SIPp's screen output
	Stderr   string
	ErrorLog string // the -trace_err file (unexpected messages, failed checks), one entry a line
	Log      string // the -trace_logs file: the scenarios' <log> actions
}

// String summarises a result for test failure messages.
func (r Result) String() string {
	return fmt.Sprintf("exit code %d\n--- stderr:\n%s\n--- error log:\n%s\n--- log:\n%s",
		r.ExitCode, r.Stderr, r.ErrorLog, r.Log)
}

// Process is one running sipp.
type Process struct {
	opts  Options
	cmd   *exec.Cmd
	files runFiles

	stdout, stderr bytes.Buffer

	done   chan struct{}
	result Result
	kill   sync.Once
}

// Start runs sipp with opts in its own process group, in t.TempDir(). The
// test's cleanup kills the group and reaps it; a run is also killed
// killGrace after opts.Timeout.
func Start(t testing.TB, opts Options) *Process {
	t.Helper()
	RequireSIPp(t)
	opts = opts.withDefaults()
	if _, err := os.Stat(ScenarioPath(opts.Scenario)); err != nil {
		t.Fatalf("locating scenario %q: %v", opts.Scenario, err)
	}
	// Every port SIPp binds is reserved (sip/testports): the SIP port, the four media
	// ports from -mp (audio RTP/RTCP, then video RTP/RTCP) and the control port.
	if opts.LocalPort == 0 {
		opts.LocalPort = testports.Port(t, testports.UDPAndTCP)
	}
	if opts.MediaPort == 0 {
		opts.MediaPort = testports.Block(t, testports.UDP, mediaPorts)
	}
	controlPort := testports.Port(t, testports.UDP)

	dir := t.TempDir()
	p := &Process{opts: opts, files: newRunFiles(dir), done: make(chan struct{})}
	p.cmd = exec.Command("sipp", opts.args(p.files, controlPort)...)
	p.cmd.Dir = dir
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	// Its own group, so the kill reaches anything SIPp forked; Pdeathsig so a
	// crashed test binary does not leave it running.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting sipp %s: %v", strings.Join(p.cmd.Args, " "), err)
	}
	t.Logf("sipp (pid %d) %s", p.cmd.Process.Pid, strings.Join(p.cmd.Args[1:], " "))

	hardKill := time.AfterFunc(opts.Timeout+killGrace, p.killGroup)
	go p.reap(hardKill)
	t.Cleanup(func() {
		p.killGroup()
		<-p.done
	})
	return p
}

// reap waits for sipp and records its result.
func (p *Process) reap(hardKill *time.Timer) {
	defer close(p.done)
	err := p.cmd.Wait()
	hardKill.Stop()
	code := p.cmd.ProcessState.ExitCode()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		code = -1
	}
	p.result = Result{
		ExitCode: code,
		Stdout:   p.stdout.String(),
		Stderr:   p.stderr.String(),
		ErrorLog: splitErrorLog(readOptional(p.files.errorLog)),
		Log:      readOptional(p.files.log),
	}
}

// killGroup sends SIGKILL to sipp's process group, once, unless sipp has
// already been reaped (its pid could then belong to someone else).
func (p *Process) killGroup() {
	p.kill.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		// The group may be gone already (ESRCH): nothing to do then.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	})
}

func readOptional(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// Wait blocks until sipp exits (bounded by the hard kill) and returns its result.
func (p *Process) Wait() Result {
	<-p.done
	return p.result
}

// Done is closed when sipp has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Port is SIPp's local SIP port.
func (p *Process) Port() int { return p.opts.LocalPort }

// MediaPort is SIPp's -mp media port (RTP is sent from it and the SDP names it).
func (p *Process) MediaPort() int { return p.opts.MediaPort }

// Addr is "127.0.0.1:<Port>", the address to send a UAS's requests to.
func (p *Process) Addr() string { return fmt.Sprintf("127.0.0.1:%d", p.opts.LocalPort) }

// Ready waits until sipp has bound its SIP port (UDP, or a TCP listener), so
// a UAS can be called. It fails if sipp exits first or ctx ends.
func (p *Process) Ready(ctx context.Context) error {
	network := p.opts.network()
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		bound, err := portBound(network, p.opts.LocalPort)
		if err != nil {
			return fmt.Errorf("waiting for sipp's %s port %d: %w", network, p.opts.LocalPort, err)
		}
		if bound {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("waiting for sipp's %s port %d: %w (%s)", network, p.opts.LocalPort, ErrExited, p.result)
		case <-ctx.Done():
			return fmt.Errorf("waiting for sipp's %s port %d: %w", network, p.opts.LocalPort, ctx.Err())
		case <-tick.C:
		}
	}
}
