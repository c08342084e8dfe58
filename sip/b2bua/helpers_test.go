package b2bua

import (
	"context"
	"math/rand/v2"
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
	g := &gateway{Server: srv, pool: pool, uri: sipURI("100", addr, network)}
	t.Cleanup(func() {
		g.shutdown(t)
		if n := pool.InUse(); n != 0 {
			t.Errorf("%d media port pairs still in use after shutdown", n)
		}
	})
	return g
}

// freePort finds a port the kernel considers free by binding :0 and releasing it.
func freePort(t *testing.T, network string) int {
	t.Helper()
	switch network {
	case "tcp", "ws", "wss":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port
	default:
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
}

// newPool returns a loopback port pool of pairs RTP/RTCP pairs at a random place below
// the kernel's ephemeral range (32768 and up on Linux), so the SIP sockets the test
// opens never sit inside it. A pair someone else holds is skipped by the pool.
func newPool(t *testing.T, pairs int) *media.PortPool {
	t.Helper()
	base := 20000 + 2*rand.IntN(4900) // under 29800: the peers offer media ports from 30000
	pool, err := media.NewPortPool(loopback, base, base+2*pairs-1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func sipURI(user, hostPort, network string) sip.Uri {
	host, portStr, _ := net.SplitHostPort(hostPort)
	port, _ := strconv.Atoi(portStr)
	u := sip.Uri{Scheme: "sip", User: user, Host: host, Port: port, UriParams: sip.NewParams(), Headers: sip.NewParams()}
	if network == "tcp" || network == "tls" {
		u.UriParams.Add("transport", network)
	}
	return u
}

// recv waits for one value or fails the test after testWait.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testWait):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
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
	return recv(t, events, "leg event")
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
