// Package gatewaytest starts a whole consentgw in-process for end-to-end tests: a temp
// data directory, free loopback ports for SIP, NATS and HTTP, the short test prompt, and a
// cleanup that stops it. Tests wait on what it reports (a receipt or recording stored),
// never on sleeps.
package gatewaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gateway"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/sip/proctest"
	"github.com/consentgw/consentgw/sip/testports"
)

// mediaPorts is the size of a test gateway's media range: 64 RTP/RTCP pairs, two for
// each call, more than any test places at once. Its own range, where the default
// 20000-40000 would be shared with every other test gateway on the machine.
const mediaPorts = 128

// Gateway is a running test gateway.
type Gateway struct {
	*gateway.Gateway
	Config  *config.Config
	SIPPort int
	// Archived receives the kind of every stored object job ("receipt", "recording").
	Archived      chan string
	archiveErrors atomic.Int64
	logs          *proctest.Output
}

// Config is the configuration of a test gateway: a temp data dir, reserved loopback
// ports (sip/testports) for SIP (UDP and TCP on one port), NATS, HTTP and a media range
// of mediaPorts, media on 127.0.0.1, the 1.2 s test prompt with a 1 s timeout and no
// repeat; adjust changes it before it is validated.
func Config(t testing.TB, adjust func(*config.Config)) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.NodeName = "test-node"
	sipPort := testports.Port(t, testports.UDPAndTCP)
	cfg.SIP.Listen = []string{"udp:127.0.0.1:" + strconv.Itoa(sipPort), "tcp:127.0.0.1:" + strconv.Itoa(sipPort)}
	cfg.Media.IP = "127.0.0.1"
	cfg.Media.PortMin = testports.Block(t, testports.UDP, mediaPorts)
	cfg.Media.PortMax = cfg.Media.PortMin + mediaPorts - 1
	cfg.NATS.Listen = "127.0.0.1:" + strconv.Itoa(testports.Port(t, testports.TCP))
	cfg.HTTP.Listen = "127.0.0.1:" + strconv.Itoa(testports.Port(t, testports.TCP))
	cfg.Consent.Prompt = sipptest.AudioPath("prompt-short.wav")
	cfg.Consent.Timeout = config.Duration(time.Second)
	cfg.Consent.Repeats = 0
	cfg.Log.Level = "debug"
	if adjust != nil {
		adjust(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	return cfg
}

// SIPPort is the port of the first SIP listener.
func SIPPort(cfg *config.Config) int {
	ls, err := cfg.Listeners()
	if err != nil || len(ls) == 0 {
		return 0
	}
	return ls[0].Port
}

// Start runs a gateway configured for tests; adjust changes the config before start
// (routes, prompt, timeouts).
//
// Its ports are reserved (sip/testports), but a process outside that scheme may still
// bind one before the gateway does: a start that fails with EADDRINUSE is tried again
// on new ports.
func Start(t testing.TB, adjust func(*config.Config)) *Gateway {
	t.Helper()
	const attempts = 5
	for attempt := 1; ; attempt++ {
		g, err := start(t, adjust)
		if err == nil {
			return g
		}
		if !errors.Is(err, syscall.EADDRINUSE) || attempt == attempts {
			t.Fatalf("starting gateway: %v", err)
		}
		t.Logf("starting gateway (attempt %d): %v; trying other ports", attempt, err)
	}
}

func start(t testing.TB, adjust func(*config.Config)) (*Gateway, error) {
	cfg := Config(t, adjust)
	g := &Gateway{Config: cfg, SIPPort: SIPPort(cfg), Archived: make(chan string, 256), logs: &proctest.Output{}}
	tw := &testWriter{t: t}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(g.logs, tw), &slog.HandlerOptions{Level: slog.LevelDebug}))
	gw, err := gateway.Start(cfg, log, gateway.WithArchiveHook(func(kind string, err error) {
		if err != nil {
			g.archiveErrors.Add(1) // the store is down: the archive retries
			return
		}
		g.Archived <- kind
	}))
	if err != nil {
		tw.close()
		return nil, err
	}
	g.Gateway = gw
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
		tw.close()
	})
	return g, nil
}

// Addr is the gateway's SIP address.
func (g *Gateway) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(g.SIPPort)) }

// WaitArchived waits until n object jobs of kind were stored.
func (g *Gateway) WaitArchived(t testing.TB, kind string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for seen := 0; seen < n; {
		select {
		case k := <-g.Archived:
			if k == kind {
				seen++
			}
		case <-deadline.C:
			t.Fatalf("waited %v for %d stored %s objects, saw %d", timeout, n, kind, seen)
		}
	}
}

// ArchiveErrors is how many store attempts failed (and were retried).
func (g *Gateway) ArchiveErrors() int64 { return g.archiveErrors.Load() }

// Receipts returns every stored consent receipt.
func (g *Gateway) Receipts(t testing.TB) []consent.Receipt {
	t.Helper()
	ctx := context.Background()
	objs, err := g.Store().List(ctx, "consent/")
	if err != nil {
		t.Fatal(err)
	}
	var out []consent.Receipt
	for _, o := range objs {
		var r consent.Receipt
		g.ReadJSON(t, o.Key, &r)
		out = append(out, r)
	}
	return out
}

// ReadJSON decodes a stored JSON object.
func (g *Gateway) ReadJSON(t testing.TB, key string, v any) {
	t.Helper()
	rc, _, err := g.Store().Get(context.Background(), key)
	if err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	defer rc.Close()
	if err := json.NewDecoder(rc).Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", key, err)
	}
}

// Keys lists stored object keys under prefix.
func (g *Gateway) Keys(t testing.TB, prefix string) []string {
	t.Helper()
	objs, err := g.Store().List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	return keys
}

// ObjectPath is the file of a stored object in the local store.
func (g *Gateway) ObjectPath(key string) string {
	return g.Config.ObjectDir() + "/" + key
}

// Logs returns everything the gateway logged so far.
func (g *Gateway) Logs() string { return g.logs.String() }

// WaitIdle waits until no call is in progress and every RTP port is back in the pool.
func (g *Gateway) WaitIdle(t testing.TB, timeout time.Duration) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for g.ActiveCalls() != 0 || g.PortsInUse() != 0 {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("gateway not idle after %v: %d calls, %d port pairs", timeout, g.ActiveCalls(), g.PortsInUse())
		}
	}
}

// testWriter copies log lines into the test's output until the test is over (a late
// line from a library goroutine must not hit a finished test).
type testWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(string(bytes.TrimRight(p, "\n")))
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}
