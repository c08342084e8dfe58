// Package natstest runs a real nats-server process with JetStream for tests that need
// NATS to outlive a gateway (a request published while no gateway runs). One process per
// Start, on a free loopback port, its store in the test's temp dir, killed when the test
// ends.
package natstest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/sip/proctest"
	"github.com/consentgw/consentgw/sip/testports"
)

// InstallCommand builds the nats-server this harness expects.
const InstallCommand = "GOBIN=$HOME/.cache/consentgw/bin go install github.com/nats-io/nats-server/v2@v2.15.2"

// EnvBinary names a nats-server binary to use instead of the default places.
const EnvBinary = "NATS_SERVER_BINARY"

const (
	readyTimeout = 30 * time.Second
	pollInterval = 25 * time.Millisecond
)

// Server is a running nats-server. URL is its client address.
type Server struct {
	URL  string
	User string
	Pass string

	bin, addr, storeDir, logPath string
	config                       string // -c FILE, when set

	mu   sync.Mutex
	proc *proctest.Proc // nil while stopped
}

// Option changes how Start runs the server.
type Option func(*Server)

// WithUser requires clients to log in as user with password.
func WithUser(user, password string) Option {
	return func(s *Server) { s.User, s.Pass = user, password }
}

// WithConfig runs the server with a configuration file (users and permissions); user
// and password are the login the harness checks readiness with and Connect uses.
func WithConfig(path, user, password string) Option {
	return func(s *Server) { s.config, s.User, s.Pass = path, user, password }
}

// Start runs nats-server -js until the test ends. Without a binary the test fails (it is
// skipped only under -short, the fast tier), naming the command that installs one.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test runs nats-server (the fast tier runs no outside binary)")
	}
	dir := t.TempDir()
	s := &Server{bin: findBinary(t), addr: freeAddr(t), storeDir: filepath.Join(dir, "js"), logPath: filepath.Join(dir, "nats.log")}
	for _, o := range opts {
		o(s)
	}
	s.URL = "nats://" + s.addr
	t.Cleanup(s.Stop)
	s.start(t)
	return s
}

// Stop kills the server and waits until it is gone; its store stays for Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	proc := s.proc
	s.proc = nil
	s.mu.Unlock()
	if proc != nil {
		proc.Kill()
	}
}

// Pause freezes the server (SIGSTOP): its connections stay open and take what clients
// write, but nothing is answered, as with a server stuck on a slow disk. Resume lets it
// go on with what it was sent. kill(2) returns before the signal has stopped every
// thread, so Pause returns once /proc shows each of them stopped.
func (s *Server) Pause(t testing.TB) {
	t.Helper()
	pid := s.signal(t, syscall.SIGSTOP)
	deadline := time.Now().Add(readyTimeout)
	for !allThreadsStopped(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("nats-server (pid %d) not stopped %v after SIGSTOP", pid, readyTimeout)
		}
		time.Sleep(pollInterval)
	}
}

// allThreadsStopped reads the state of each of pid's threads (proc(5): the field after
// the command's closing parenthesis): T is stopped by a signal.
func allThreadsStopped(pid int) bool {
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(stats) == 0 {
		return false
	}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || i+2 >= len(b) || b[i+2] != 'T' {
			return false
		}
	}
	return true
}

// Resume continues a paused server.
func (s *Server) Resume(t testing.TB) { s.signal(t, syscall.SIGCONT) }

// signal sends sig to the server's process group and returns the server's pid.
func (s *Server) signal(t testing.TB, sig syscall.Signal) int {
	t.Helper()
	s.mu.Lock()
	proc := s.proc
	s.mu.Unlock()
	if proc == nil {
		t.Fatalf("nats-server on %s is not running", s.addr)
	}
	if err := proc.Signal(sig); err != nil {
		t.Fatalf("signalling nats-server: %v", err)
	}
	return proc.Pid()
}

// Restart stops the server if it runs and starts it again on the same port and store.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.start(t)
}

// Connect opens a client connection closed at the end of the test.
func (s *Server) Connect(t testing.TB) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.URL, s.options()...)
	if err != nil {
		t.Fatalf("connecting to %s: %v", s.URL, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func (s *Server) options() []nats.Option {
	if s.User == "" {
		return nil
	}
	return []nats.Option{nats.UserInfo(s.User, s.Pass)}
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	s.awaitReady(t, s.launch(t))
}

// launch starts the process.
func (s *Server) launch(t testing.TB) *proctest.Proc {
	t.Helper()
	host, port, _ := net.SplitHostPort(s.addr)
	args := []string{"-a", host, "-p", port, "-js", "-sd", s.storeDir, "-l", s.logPath}
	switch {
	case s.config != "":
		args = append(args, "-c", s.config)
	case s.User != "":
		args = append(args, "--user", s.User, "--pass", s.Pass)
	}
	proc, err := proctest.Start(exec.Command(s.bin, args...))
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.proc = proc
	s.mu.Unlock()
	return proc
}

// awaitReady fails the test unless the launched server gets ready.
// It is ready once a client can connect and JetStream answers.
func (s *Server) awaitReady(t testing.TB, proc *proctest.Proc) {
	t.Helper()
	if err := proc.WaitReady(readyTimeout, pollInterval, s.ready); err != nil {
		s.Stop()
		log, _ := os.ReadFile(s.logPath)
		t.Fatalf("nats-server on %s: %v\n%s", s.addr, err, proctest.Tail(string(log)))
	}
}

func (s *Server) ready() bool {
	nc, err := nats.Connect(s.URL, append(s.options(), nats.Timeout(time.Second))...)
	if err != nil {
		return false
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err == nil
}

func findBinary(t testing.TB) string {
	t.Helper()
	return proctest.FindBinary(t, "nats-server", EnvBinary, InstallCommand)
}

// freeAddr reserves a loopback port for nats-server until the test ends
// (sip/testports): Restart binds it again.
func freeAddr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(testports.Port(t, testports.TCP)))
}
