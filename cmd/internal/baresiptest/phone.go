// Package baresiptest runs baresip 1.0 (Debian's baresip), a real softphone nobody here
// wrote, as a caller or an agent in end-to-end tests. Each phone gets its own config
// directory (baresip -f), loopback ports reserved for it, a WAV tone as microphone and no
// sound card, and is driven through its ctrl_tcp interface: tests send commands (dial,
// sndcode, hold, resume, hangup) and wait on the events it reports (CALL_ESTABLISHED,
// CALL_CLOSED ...), never on sleeps.
//
// baresip binds its RTP sockets on the wildcard address (it takes no address for them)
// within the rtp_ports range reserved here; it only ever sends to the loopback addresses
// the SDP names, so no network namespace is needed.
package baresiptest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/audiotest"
	"github.com/consentgw/consentgw/sip/proctest"
)

// Options configures one phone.
type Options struct {
	// User is the account's user part: the caller's number, or the agent's name.
	User string
	// IP is the loopback address baresip listens on and puts in its SDP: 127.0.0.1
	// (default) or ::1.
	IP string
	// Tone is the frequency in Hz of the sine the phone sends as its audio.
	Tone float64
	// AnswerMode is "manual" (default: an incoming call rings until accept or hangup)
	// or "auto" (answered at once).
	AnswerMode string
	// Codecs is the account's audio_codecs list; default PCMU.
	Codecs string
}

func (o Options) withDefaults() Options {
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if o.AnswerMode == "" {
		o.AnswerMode = "manual"
	}
	if o.Codecs == "" {
		o.Codecs = "PCMU"
	}
	if o.User == "" {
		o.User = "phone"
	}
	return o
}

// startTimeout bounds a phone's start; readyLine is what baresip prints once its
// modules and accounts are loaded.
const (
	startTimeout = 20 * time.Second
	stopGrace    = 5 * time.Second
	readyLine    = "baresip is ready."
	// The microphone's tone: long enough for any call of a test, at about -10 dBFS.
	toneDuration  = 120 * time.Second
	toneAmplitude = 0.3 * math.MaxInt16
)

// Phone is a running baresip.
type Phone struct {
	opts  Options
	ports ports
	proc  *proctest.Proc
	log   *logBuffer
	ctrl  *ctrl

	mu      sync.Mutex
	cursors map[string]int // per event type: how many Wait has returned
}

// Start runs baresip with opts until the test ends; it returns once the phone is ready
// and its control connection is open.
func Start(t testing.TB, opts Options) *Phone {
	t.Helper()
	Require(t)
	opts = opts.withDefaults()
	dir := t.TempDir()
	wav := filepath.Join(dir, "tone.wav")
	// 8 kHz, G.711's rate, so baresip's aufile source needs no resampler.
	if err := audiotest.WriteTone(wav, opts.Tone, toneAmplitude, 8000, toneDuration); err != nil {
		t.Fatal(err)
	}
	p := &Phone{opts: opts, ports: reservePorts(t), log: newLogBuffer(readyLine), cursors: map[string]int{}}
	if err := writeConfig(dir, opts, p.ports, wav); err != nil {
		t.Fatal(err)
	}
	// -s traces every SIP message into the log, which failing tests print.
	cmd := exec.Command("baresip", "-f", dir, "-s")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = p.log, p.log
	var err error
	if p.proc, err = proctest.Start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Logf("baresip %s (pid %d) on %s, ctrl_tcp 127.0.0.1:%d, rtp %d-%d", opts.User, p.proc.Pid(), p.Addr(), p.ports.ctrl, p.ports.rtp, p.ports.rtp+rtpPorts-1)
	t.Cleanup(func() { p.stop(t) })

	select {
	case <-p.log.ready:
	case <-p.proc.Done():
		t.Fatalf("baresip %s exited at start: %v\n%s", opts.User, ErrExited, p.Log())
	case <-time.After(startTimeout):
		t.Fatalf("baresip %s not ready after %v:\n%s", opts.User, startTimeout, p.Log())
	}
	c, err := dialCtrl(net.JoinHostPort("127.0.0.1", strconv.Itoa(p.ports.ctrl)))
	if err != nil {
		t.Fatalf("baresip %s: %v\n%s", opts.User, err, p.Log())
	}
	p.ctrl = c
	return p
}

// stop ends baresip (SIGTERM, then SIGKILL to the group after a grace) and waits for it;
// a failed test gets the phone's log.
func (p *Phone) stop(t testing.TB) {
	if p.ctrl != nil {
		p.ctrl.close()
	}
	p.proc.Stop(stopGrace)
	if t.Failed() {
		t.Logf("baresip %s log:\n%s", p.opts.User, p.Log())
	}
}

// Addr is the phone's SIP address, host:port.
func (p *Phone) Addr() string { return net.JoinHostPort(p.opts.IP, strconv.Itoa(p.ports.sip)) }

// URI is the phone's own SIP URI, where calls to it go.
func (p *Phone) URI() string { return "sip:" + p.opts.User + "@" + p.Addr() }

// Log is everything baresip printed so far, SIP trace included.
func (p *Phone) Log() string { return p.log.String() }

// Command sends one ctrl_tcp command (a menu command: dial, accept, hangup, hold,
// resume, sndcode ...) and waits for baresip's answer.
func (p *Phone) Command(t testing.TB, command, params string) string {
	t.Helper()
	ch, err := p.ctrl.send(command, params)
	if err != nil {
		t.Fatalf("baresip %s: %v", p.opts.User, err)
	}
	select {
	case r := <-ch:
		if !r.ok {
			t.Fatalf("baresip %s %s %q: %v: %s", p.opts.User, command, params, ErrCommand, strings.TrimSpace(r.data))
		}
		return r.data
	case <-p.proc.Done():
		t.Fatalf("baresip %s %s: %v\n%s", p.opts.User, command, ErrExited, p.Log())
	case <-time.After(startTimeout):
		t.Fatalf("baresip %s %s: no answer within %v", p.opts.User, command, startTimeout)
	}
	return ""
}

// Dial places a call to uri.
func (p *Phone) Dial(t testing.TB, uri string) { p.Command(t, "dial", uri) }

// SendDigit sends one key as RFC 4733 telephone-events on the current call.
func (p *Phone) SendDigit(t testing.TB, key string) { p.Command(t, "sndcode", key) }

// Wait waits until the phone has reported one more event of type typ than earlier
// Waits for that type returned, and returns it: the second Wait for CALL_ESTABLISHED
// returns the second call's.
func (p *Phone) Wait(t testing.TB, typ string, timeout time.Duration) Event {
	t.Helper()
	ev, err := p.WaitErr(typ, timeout)
	if err != nil {
		t.Fatalf("baresip %s: %v", p.opts.User, err)
	}
	return ev
}

// WaitErr is Wait returning an error, for tests that describe the failure themselves.
func (p *Phone) WaitErr(typ string, timeout time.Duration) (Event, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	p.mu.Lock()
	want := p.cursors[typ]
	p.mu.Unlock()
	for {
		events, changed, err := p.ctrl.snapshot()
		seen := 0
		for _, ev := range events {
			if ev.Type != typ {
				continue
			}
			if seen == want {
				p.mu.Lock()
				p.cursors[typ] = want + 1
				p.mu.Unlock()
				return ev, nil
			}
			seen++
		}
		if err != nil {
			return Event{}, fmt.Errorf("waiting for %s: control connection ended: %w", typ, err)
		}
		select {
		case <-changed:
		case <-p.proc.Done():
			return Event{}, fmt.Errorf("waiting for %s: %w", typ, ErrExited)
		case <-ctx.Done():
			return Event{}, fmt.Errorf("no %s event within %v (events so far: %s)", typ, timeout, types(events))
		}
	}
}

// Count is how many events of type typ the phone has reported so far.
func (p *Phone) Count(typ string) int {
	events, _, _ := p.ctrl.snapshot()
	n := 0
	for _, ev := range events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func types(events []Event) string {
	names := make([]string, 0, len(events))
	for _, ev := range events {
		names = append(names, ev.Type)
	}
	return strings.Join(names, " ")
}

// logBuffer keeps baresip's output and signals when the ready line appears.
type logBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	ready  chan struct{}
	seen   bool
}

func newLogBuffer(marker string) *logBuffer {
	return &logBuffer{marker: marker, ready: make(chan struct{})}
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if !b.seen && bytes.Contains(b.buf.Bytes(), []byte(b.marker)) {
		b.seen = true
		close(b.ready)
	}
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
