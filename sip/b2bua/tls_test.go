package b2bua

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/siptest"
)

// startTLSGateway runs a Server with a UDP and a TLS listener.
func startTLSGateway(t *testing.T, h CallHandler) (*gateway, sip.Uri) {
	t.Helper()
	udp := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t, "udp")))
	tlsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t, "tcp")))
	pool := newPool(t, 4)
	srv, err := New(Options{
		Listeners:  []Listener{{Network: "udp", Addr: udp}, {Network: "tls", Addr: tlsAddr}},
		PublicHost: "127.0.0.1", MediaIP: loopback, Ports: pool, Handler: h, TLS: siptest.TLS(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	g := &gateway{Server: srv, pool: pool, uri: siptest.URI("100", udp, "udp")}
	t.Cleanup(func() { g.shutdown(t) })
	return g, siptest.URI("100", tlsAddr, "tls")
}

func TestCallOverTLSBothWays(t *testing.T) {
	agent := siptest.NewAgent(t, "tls", siptest.AnswerWith(sip.StatusOK, siptest.PCMU))
	dialed := make(chan error, 1)
	target := siptest.URI("agent", agent.Addr, "tls")
	g, tlsURI := startTLSGateway(t, bridgeTo(target, dialed))
	trunk := siptest.NewPeer(t, "tls", nil)

	call := trunk.Invite(t, tlsURI, siptest.Offer(30000, "", siptest.PCMU))
	if call.Err != nil {
		t.Fatalf("INVITE over TLS: %v", call.Err)
	}
	if err := siptest.Recv(t, dialed, "dial over TLS"); err != nil {
		t.Fatalf("dialing the TLS agent: %v", err)
	}
	if inv := siptest.Recv(t, agent.Invites, "agent INVITE"); inv.Transport() != "TLS" {
		t.Errorf("agent got the INVITE over %s, want TLS", inv.Transport())
	}
	if c := call.Dialog.InviteResponse.Contact(); c == nil || c.Address.UriParams == nil {
		t.Fatalf("200 OK over TLS has Contact %v, want one with transport=tls", c)
	} else if tp, _ := c.Address.UriParams.Get("transport"); tp != "tls" {
		t.Errorf("200 OK over TLS has Contact %s, want transport=tls", c.Address.String())
	}
	call.Bye(t)
	waitUntil(t, func() bool { return g.ActiveCalls() == 0 }, "call over TLS to end")
}

func TestTLSListenerNeedsACertificate(t *testing.T) {
	srv, err := New(Options{
		Listeners:  []Listener{{Network: "tls", Addr: "127.0.0.1:0"}},
		PublicHost: "127.0.0.1", MediaIP: loopback, Ports: newPool(t, 1),
		Handler: handlerFunc(func(context.Context, *Inbound) {}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err == nil {
		t.Fatal("a tls listener without a certificate started")
	}
}
