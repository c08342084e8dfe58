// Package proctest runs the outside programs of the test harnesses (Kamailio, baresip,
// nats-server, MinIO, a built consentgw) the one way they all need: each in a process
// group of its own, so a signal reaches whatever it forked; killed if the test binary
// dies first (Pdeathsig), so no server outlives a crashed run; reaped by a goroutine, so
// a test can wait for its exit beside other events; and stopped by its group.
package proctest

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// ErrExited is returned by WaitReady when the process exited before it was ready.
var ErrExited = errors.New("proctest: exited before it was ready")

// Proc is a started process.
type Proc struct {
	Cmd  *exec.Cmd
	done chan struct{} // closed once the process has been reaped
}

// Start starts cmd in its own process group and reaps it in the background.
func Start(cmd *exec.Cmd) (*Proc, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	p := &Proc{Cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process's id, and its group's.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Done is closed once the process has exited and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitCode is the process's exit code once Done is closed: -1 when a signal ended it.
func (p *Proc) ExitCode() int { return p.Cmd.ProcessState.ExitCode() }

// Signal sends sig to the process's group.
func (p *Proc) Signal(sig syscall.Signal) error { return syscall.Kill(-p.Pid(), sig) }

// Kill ends the group with SIGKILL, as a crash or an OOM kill would, and waits for the
// process.
func (p *Proc) Kill() {
	_ = p.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop asks the group to end (SIGTERM) and waits up to grace for the process; then the
// group gets a SIGKILL anyway, for a child that lingers after its parent.
func (p *Proc) Stop(grace time.Duration) {
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
	}
	p.Kill()
}

// WaitReady asks ready every poll until it says yes, the process exits (ErrExited), or
// timeout passes.
func (p *Proc) WaitReady(timeout, poll time.Duration, ready func() bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		if ready() {
			return nil
		}
		select {
		case <-p.done:
			return ErrExited
		case <-deadline.C:
			return fmt.Errorf("not ready within %v", timeout)
		case <-tick.C:
		}
	}
}
