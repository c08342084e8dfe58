package b2bua

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/b2bua/torturetest"
	"github.com/consentgw/consentgw/sip/siptest"
)

func TestPanicInOneCallLeavesTheGatewayServing(t *testing.T) {
	var rejected reasons
	var calls atomic.Int32
	legs := make(chan *Inbound, 1)
	g := startGatewayWith(t, "udp", 4, handlerFunc(func(ctx context.Context, in *Inbound) {
		if calls.Add(1) == 1 {
			var nothing *Inbound
			_ = nothing.Request.Method // the nil dereference a missing header used to cause
		}
		answerAndWait(legs)(ctx, in)
	}), Admission{Rejected: rejected.add})
	trunk := siptest.NewPeer(t, "udp", nil)

	if got := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU)).FinalStatus(t); got != sip.StatusInternalServerError {
		t.Errorf("INVITE whose handler panicked answered %d, want 500", got)
	}
	if n := rejected.get(RejectPanic); n != 1 {
		t.Errorf("%d panics counted, want 1", n)
	}
	waitUntil(t, func() bool { return g.admittedCalls() == 0 && g.pool.InUse() == 0 }, "the panicked call to give back its place and ports")

	next := trunk.Invite(t, g.uri, siptest.Offer(30002, "", siptest.PCMU))
	if next.Err != nil {
		t.Fatalf("call after the panic: %v", next.Err)
	}
	siptest.Recv(t, legs, "call after the panic")
	next.Bye(t)
}

// The datagram of RFC 4475 §3.1.2.18 (insuf) ended the process: the INVITE has no
// Call-ID, From or To. It must get 400 naming what is missing.
func TestInviteWithoutCallIDGets400(t *testing.T) {
	var rejected reasons
	g := startGatewayWith(t, "udp", 2, handlerFunc(func(context.Context, *Inbound) {}), Admission{Rejected: rejected.add})
	conn, c := torturetest.DialUDP(t, net.JoinHostPort(g.uri.Host, strconv.Itoa(g.uri.Port)), "")
	if _, err := conn.Write(torturetest.ViaTo(tortureMessages(t)["invalid/insuf"], "UDP", conn.LocalAddr().String())); err != nil {
		t.Fatal(err)
	}
	c.Until(t, "cseq 193942")
	if got := c.Got["cseq 193942"]; got != sip.StatusBadRequest {
		t.Errorf("insuf answered %d, want 400", got)
	}
	if n := rejected.get(RejectBadRequest); n != 1 {
		t.Errorf("%d requests counted as bad_request, want 1", n)
	}
}
