package b2bua

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/siptest"
)

// viaAgent is an agent phone over UDP that answers as RFC 3261 §18.2.2 says, as baresip
// and a plain Kamailio do, and not as sipgo does (to the packet's source): to the Via's
// sent-by port on the packet's source address, or to the source port when the Via asks
// with rport (RFC 3581 §4). It rings, answers 200 unless told to ring until cancelled,
// and hands every request it gets, with where it came from, to got.
type viaAgent struct {
	conn   *net.UDPConn
	answer bool
	got    chan agentRequest
}

type agentRequest struct {
	method string
	from   netip.AddrPort
	rport  bool
}

func newViaAgent(t *testing.T, answer bool) *viaAgent {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	a := &viaAgent{conn: conn, answer: answer, got: make(chan agentRequest, 32)}
	done := make(chan struct{})
	go func() { defer close(done); a.serve() }()
	t.Cleanup(func() { conn.Close(); <-done })
	return a
}

func (a *viaAgent) uri() sip.Uri {
	return siptest.URI("agent", a.conn.LocalAddr().String(), "udp")
}

func (a *viaAgent) serve() {
	parser := sip.NewParser()
	buf := make([]byte, 65535)
	for {
		n, src, err := a.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		msg, err := parser.ParseSIP(buf[:n])
		if err != nil {
			continue
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			continue
		}
		via := req.Via()
		if via == nil {
			continue
		}
		seen := agentRequest{method: string(req.Method), from: src, rport: via.Params.Has("rport")}
		a.got <- seen
		to := netip.AddrPortFrom(src.Addr(), uint16(via.Port)) // §18.2.2: "received" address, sent-by port
		if seen.rport {
			to = src
		}
		for _, res := range a.responses(req) {
			_, _ = a.conn.WriteToUDPAddrPort([]byte(res.String()), to)
		}
	}
}

// responses is what the phone answers to req.
func (a *viaAgent) responses(req *sip.Request) []*sip.Response {
	withTag := func(res *sip.Response) *sip.Response {
		if to := res.To(); to != nil && !to.Params.Has("tag") {
			to.Params.Add("tag", "agenttag")
		}
		return res
	}
	switch req.Method {
	case sip.INVITE:
		ringing := withTag(sip.NewResponseFromRequest(req, sip.StatusRinging, "Ringing", nil))
		if !a.answer {
			return []*sip.Response{ringing}
		}
		ok := withTag(sip.NewSDPResponseFromRequest(req, []byte(siptest.Offer(40000, "", siptest.PCMU, siptest.TelephoneEvent))))
		ok.AppendHeader(&sip.ContactHeader{Address: a.uri()})
		return []*sip.Response{ringing, ok}
	case sip.CANCEL:
		// RFC 3261 §9.2: 200 to the CANCEL, then 487 to the INVITE it cancels.
		inv := req.Clone()
		inv.Method = sip.INVITE
		inv.CSeq().MethodName = sip.INVITE
		return []*sip.Response{
			sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil),
			withTag(sip.NewResponseFromRequest(inv, sip.StatusRequestTerminated, "Request Terminated", nil)),
		}
	case sip.ACK:
		return nil
	default:
		return []*sip.Response{sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)}
	}
}

// next waits for the agent's next request of method, skipping retransmissions of others.
func (a *viaAgent) next(t *testing.T, method string) agentRequest {
	t.Helper()
	for {
		r := siptest.Recv(t, a.got, method+" at the agent")
		if r.method == method {
			return r
		}
	}
}

// startGatewayOn is startGateway with its UDP listener on host instead of 127.0.0.1:
// packets a socket of its own sends to 127.0.0.1 leave from 127.0.0.1, so a request
// that does not leave from the listener shows in its source address.
func startGatewayOn(t *testing.T, host string, h CallHandler) (*gateway, netip.AddrPort) {
	t.Helper()
	addr := net.JoinHostPort(host, strconv.Itoa(freePort(t, "udp")))
	g := startGatewayAdjusted(t, "udp", 2, h, func(o *Options) {
		o.Listeners = []Listener{{Network: "udp", Addr: addr}}
		o.PublicHost = host
	})
	g.uri = siptest.URI("100", addr, "udp")
	return g, netip.MustParseAddrPort(addr)
}

// Every request of the agent leg leaves from the gateway's listening socket with rport,
// so an agent that answers per RFC 3261 §18.2.2 reaches the gateway: the call bridges and
// the caller's BYE is passed on once. Requests used to leave from a socket on 0.0.0.0
// and an ephemeral port: such an agent's 180 and 200 went to a port where nothing
// listened, and the call never bridged.
func TestAgentLegRequestsLeaveFromTheListenerSocket(t *testing.T) {
	agentPhone := newViaAgent(t, true)
	dialed := make(chan error, 1)
	g, listener := startGatewayOn(t, "127.0.0.3", bridgeTo(agentPhone.uri(), dialed))
	trunk := siptest.NewPeer(t, "udp", nil)

	call := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU))
	if call.Err != nil {
		t.Fatal(call.Err)
	}
	invite := agentPhone.next(t, "INVITE")
	if err := siptest.Recv(t, dialed, "the agent leg"); err != nil {
		t.Fatalf("agent leg not bridged: %v", err)
	}
	ack := agentPhone.next(t, "ACK")
	call.Bye(t)
	bye := agentPhone.next(t, "BYE")

	for _, r := range []agentRequest{invite, ack, bye} {
		if r.from != listener {
			t.Errorf("%s came from %v, want the listener %v", r.method, r.from, listener)
		}
		if !r.rport {
			t.Errorf("%s has no rport in its Via (RFC 3581)", r.method)
		}
	}
	waitUntil(t, func() bool { return legCount(g.Server) == 0 }, "both dialogs ended")
}

// A caller that hangs up while the agent rings has its INVITE cancelled at the agent,
// from the listening socket, and the 487 reaches the gateway.
func TestCallerCancelReachesARingingAgent(t *testing.T) {
	agentPhone := newViaAgent(t, false)
	dialed := make(chan error, 1)
	g, listener := startGatewayOn(t, "127.0.0.3", bridgeTo(agentPhone.uri(), dialed))
	trunk := siptest.NewPeer(t, "udp", nil)

	call := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU))
	if call.Err != nil {
		t.Fatal(call.Err)
	}
	agentPhone.next(t, "INVITE")
	call.Bye(t)
	cancel := agentPhone.next(t, "CANCEL")
	if cancel.from != listener {
		t.Errorf("CANCEL came from %v, want the listener %v", cancel.from, listener)
	}
	if err := siptest.Recv(t, dialed, "the dial's end"); !errors.Is(err, ErrDialAbandoned) {
		t.Errorf("dial ended with %v, want ErrDialAbandoned (a caller cancel, not a target failure)", err)
	}
	agentPhone.next(t, "ACK") // the ACK to the 487 (RFC 3261 §17.1.1.3): the 487 arrived
	waitUntil(t, func() bool { return legCount(g.Server) == 0 }, "both dialogs ended")
}
