package b2bua

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/siptest"
	"github.com/consentgw/consentgw/sip/testports"
)

// testWait bounds every wait on the network; it only guards against a hang, it is not a
// timing assertion.
const testWait = 10 * time.Second

var loopback = netip.MustParseAddr("127.0.0.1")

// handlerFunc adapts a script to CallHandler: the test plays the call's owner.
type handlerFunc func(ctx context.Context, in *Inbound)

func (f handlerFunc) ServeCall(ctx context.Context, in *Inbound) { f(ctx, in) }

// answerAndWait answers the caller and then holds the call until the caller leaves or
// the server stops, handing the leg to the test first.
func answerAndWait(legs chan<- *Inbound) handlerFunc {
	return func(ctx context.Context, in *Inbound) {
		if err := in.Answer(ctx); err != nil {
			return
		}
		legs <- in
		select {
		case <-in.Done():
		case <-ctx.Done():
			hctx, cancel := context.WithTimeout(context.Background(), testWait)
			defer cancel()
			_ = in.Hangup(hctx)
		}
	}
}

// gateway is a started Server on loopback with its own port pool.
type gateway struct {
	*Server
	pool *media.PortPool
	uri  sip.Uri // where callers send their INVITE
	once sync.Once
}

func (g *gateway) shutdown(t *testing.T) {
	t.Helper()
	g.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		g.pool.Close() // as the gateway does: calls are over, the media poller stops
	})
}

// startGateway runs a Server with one listener on a free loopback port and a pool of
// pairs RTP/RTCP port pairs. Cleanup shuts it down and checks that no port is left in use.
func startGateway(t *testing.T, network string, pairs int, h CallHandler) *gateway {
	t.Helper()
	return startGatewayWith(t, network, pairs, h, Admission{})
}

// startGatewayWith is startGateway with admission rules.
func startGatewayWith(t *testing.T, network string, pairs int, h CallHandler, adm Admission, policy ...sdpneg.SRTP) *gateway {
	t.Helper()
	return startGatewayAdjusted(t, network, pairs, h, func(o *Options) {
		o.Admission = adm
		if len(policy) > 0 {
			o.SRTP = policy[0]
		}
	})
}

// startGatewayAdjusted is startGateway with adjust applied to the server's Options.
func startGatewayAdjusted(t *testing.T, network string, pairs int, h CallHandler, adjust func(*Options)) *gateway {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t, network)))
	pool := newPool(t, pairs)
	opts := Options{
		Listeners:  []Listener{{Network: network, Addr: addr}},
		PublicHost: "127.0.0.1",
		MediaIP:    loopback,
		Ports:      pool,
		Handler:    h,
	}
	adjust(&opts)
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	g := &gateway{Server: srv, pool: pool, uri: siptest.URI("100", addr, network)}
	t.Cleanup(func() {
		g.shutdown(t)
		if n := pool.InUse(); n != 0 {
			t.Errorf("%d media port pairs still in use after shutdown", n)
		}
	})
	return g
}

// freePort reserves a loopback port for the gateway's listener on network
// (sip/testports).
func freePort(t *testing.T, network string) int {
	t.Helper()
	switch network {
	case "tcp", "tls", "ws", "wss":
		return testports.Port(t, testports.TCP)
	default:
		return testports.Port(t, testports.UDP)
	}
}

// newPool returns a loopback port pool of pairs RTP/RTCP pairs on a range reserved for
// it (sip/testports), away from the media ports the peers offer (30000 and up).
func newPool(t *testing.T, pairs int) *media.PortPool {
	t.Helper()
	return newPoolOn(t, loopback, pairs)
}

// closed waits for ch to close or fails the test after testWait.
func closed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(testWait):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// nextEvent waits for the next leg event.
func nextEvent(t *testing.T, events <-chan Event) Event {
	t.Helper()
	return siptest.Recv(t, events, "leg event")
}

// waitUntil polls cond until it holds, failing the test after testWait.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not a synchronisation
	}
}

// goroutinesBack waits, within testWait, until the goroutine count is back to at most
// base; goroutines that end after a call (transport readers, transaction timers) need a
// moment, so the count is polled rather than compared once.
func goroutinesBack(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", n, base, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling interval, not a synchronisation
	}
}

// legCount is the number of dialogs the server still routes requests to.
func legCount(s *Server) int {
	n := 0
	s.legs.Range(func(any, any) bool { n++; return true })
	return n
}

// bridgeTo is a call owner that answers, dials target, and ends both legs when either
// leaves; the dial error (nil on success) goes to dialed.
func bridgeTo(target sip.Uri, dialed chan<- error) handlerFunc {
	return func(ctx context.Context, in *Inbound) {
		if err := in.Answer(ctx); err != nil {
			dialed <- err
			return
		}
		// As the gateway's call owner does: a caller who leaves cancels the dial.
		dialCtx, stop := context.WithCancel(ctx)
		defer context.AfterFunc(in.dlg.Context(), stop)()
		out, err := in.Dial(dialCtx, DialRequest{Target: target, Timeout: testWait})
		dialed <- err
		hctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		if err != nil {
			_ = in.Hangup(hctx)
			return
		}
		defer out.Close()
		select {
		case <-in.Done():
			_ = out.Hangup(hctx)
		case <-out.Done():
			_ = in.Hangup(hctx)
		case <-ctx.Done():
			_ = out.Hangup(hctx)
			_ = in.Hangup(hctx)
		}
	}
}
