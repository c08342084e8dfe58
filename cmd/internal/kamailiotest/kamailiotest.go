// Package kamailiotest runs Kamailio 5.6 (Debian's kamailio) as a plain record-routing
// SIP proxy between two parties in end-to-end tests: on a reserved loopback UDP port, in
// the foreground, relaying every initial request to one next hop. Its config
// (proxy.cfg.tmpl) does what a stock config does and nothing to help peers with broken
// Vias (no force_rport, no nathelper).
package kamailiotest

import (
	"bytes"
	_ "embed"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/consentgw/consentgw/sip/proctest"
	"github.com/consentgw/consentgw/sip/testports"
)

// ModuleDir is where Debian's kamailio installs its modules.
const ModuleDir = "/usr/lib/x86_64-linux-gnu/kamailio/modules"

const (
	readyTimeout = 20 * time.Second
	stopGrace    = 5 * time.Second
	probeEvery   = 100 * time.Millisecond
)

//go:embed proxy.cfg.tmpl
var proxyTemplate string

// Options configures the proxy.
type Options struct {
	// NextHop is host:port where initial requests are relayed (the gateway on the trunk
	// side, the agent on the agent side).
	NextHop string
}

// Proxy is a running Kamailio.
type Proxy struct {
	ip   string
	port int
	proc *proctest.Proc
	log  proctest.Output
}

// Require fails the test when kamailio is missing. It skips only under -short (the fast
// tier): the real-software tests must not pass silently on a machine without it.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test runs Kamailio (the fast tier runs no outside binary)")
	}
	if _, err := exec.LookPath("kamailio"); err != nil {
		t.Fatalf("kamailio is required (%v): install it with `apt-get install -y kamailio` (Kamailio 5.6)", err)
	}
	if _, err := os.Stat(filepath.Join(ModuleDir, "tm.so")); err != nil {
		t.Fatalf("kamailio modules are required in %s: %v", ModuleDir, err)
	}
}

// Start runs the proxy until the test ends; it returns once the proxy answers an
// OPTIONS.
func Start(t testing.TB, opts Options) *Proxy {
	t.Helper()
	Require(t)
	p := &Proxy{ip: "127.0.0.1", port: testports.Port(t, testports.UDP)}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kamailio.cfg")
	if err := writeConfig(cfg, p, opts); err != nil {
		t.Fatal(err)
	}
	p.run(t, dir, cfg, "relaying to "+opts.NextHop)
	return p
}

// run starts Kamailio on cfg, stopped when the test ends, and waits until it answers.
func (p *Proxy) run(t testing.TB, dir, cfg, what string, args ...string) {
	t.Helper()
	// -DD: stay in the foreground (children are still forked); -E: log to stderr;
	// -Y and -w keep the runtime files in the test's directory.
	cmd := exec.Command("kamailio", append([]string{"-DD", "-E", "-f", cfg, "-w", dir, "-Y", dir, "-m", "64", "-M", "8"}, args...)...)
	cmd.Stdout, cmd.Stderr = &p.log, &p.log
	// Its own process group (proctest): Kamailio forks its workers, and the cleanup
	// stops the group.
	var err error
	if p.proc, err = proctest.Start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Logf("kamailio (pid %d) on %s %s", p.proc.Pid(), p.Addr(), what)
	t.Cleanup(func() { p.stop(t) })
	if err := p.probe(); err != nil {
		t.Fatalf("kamailio not ready: %v\n%s", err, p.Log())
	}
}

func writeConfig(path string, p *Proxy, opts Options) error {
	return writeTemplate(path, proxyTemplate, map[string]any{"IP": p.ip, "Port": p.port, "ModuleDir": ModuleDir, "NextHop": opts.NextHop})
}

// writeTemplate writes a config template filled with data to path.
func writeTemplate(path, text string, data map[string]any) error {
	tmpl, err := template.New("kamailio").Parse(text)
	if err != nil {
		return fmt.Errorf("parsing the kamailio config template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return fmt.Errorf("writing the kamailio config: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("writing the kamailio config: %w", err)
	}
	return nil
}

// probe sends OPTIONS (retransmitted as RFC 3261 §17.1.2.2 does, at a fixed short
// interval) until the proxy answers 200, it exits, or readyTimeout passes.
func (p *Proxy) probe() error {
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("opening the probe socket: %w", err)
	}
	defer conn.Close()
	local := conn.LocalAddr().String()
	to, err := net.ResolveUDPAddr("udp4", p.Addr())
	if err != nil {
		return fmt.Errorf("resolving %s: %w", p.Addr(), err)
	}
	msg := strings.Join([]string{
		"OPTIONS sip:" + p.Addr() + " SIP/2.0",
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK-kamailiotest-probe",
		"From: <sip:probe@" + local + ">;tag=probe",
		"To: <sip:" + p.Addr() + ">",
		"Call-ID: kamailiotest-probe@" + local,
		"CSeq: 1 OPTIONS",
		"Max-Forwards: 70",
		"Content-Length: 0",
		"", "",
	}, "\r\n")
	deadline := time.Now().Add(readyTimeout)
	buf := make([]byte, 4096)
	for time.Now().Before(deadline) {
		if p.proc.Exited() {
			return fmt.Errorf("kamailio exited")
		}
		if _, err := conn.WriteTo([]byte(msg), to); err != nil {
			return fmt.Errorf("sending OPTIONS: %w", err)
		}
		conn.SetReadDeadline(time.Now().Add(probeEvery))
		n, _, err := conn.ReadFrom(buf)
		if err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
			return nil
		}
	}
	return fmt.Errorf("no 200 to OPTIONS within %v", readyTimeout)
}

// stop ends Kamailio and all its children: SIGTERM to the group, SIGKILL after a grace
// (to the group anyway: the main process may be gone while a child lingers).
func (p *Proxy) stop(t testing.TB) {
	p.proc.Stop(stopGrace)
	if t.Failed() {
		t.Logf("kamailio log:\n%s", p.Log())
	}
}

// Addr is the proxy's SIP address, host:port.
func (p *Proxy) Addr() string { return net.JoinHostPort(p.ip, strconv.Itoa(p.port)) }

// Log is everything Kamailio logged so far: one "proxy: request" line per request it
// received, one "proxy: reply" line per response.
func (p *Proxy) Log() string { return p.log.String() }

// Requests counts the requests of method the proxy received.
func (p *Proxy) Requests(method string) int {
	return strings.Count(p.Log(), "proxy: request "+method+" ")
}
