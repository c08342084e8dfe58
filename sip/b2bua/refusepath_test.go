package b2bua

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/siptest"
)

// Every INVITE refused after admission, by the server (an offer it cannot take) or by the
// call handler (a call it does not take: Inbound.Refuse), is answered with the error's
// status and counted by it through one path.
func TestRefusalsAreAnsweredAndCountedByStatus(t *testing.T) {
	var refused reasons // by status
	errNoRoute := errors.New("no route matches")
	g := startGatewayAdjusted(t, "udp", 4, handlerFunc(func(ctx context.Context, in *Inbound) {
		in.Refuse(Status(sip.StatusNotFound, "Not Found", errNoRoute))
	}), func(o *Options) { o.Refused = func(code int) { refused.add(strconv.Itoa(code)) } })
	trunk := siptest.NewPeer(t, "udp", nil)

	if got := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU)).FinalStatus(t); got != sip.StatusNotFound {
		t.Errorf("a call the handler refused was answered %d, want 404", got)
	}
	if got := trunk.Invite(t, g.uri, siptest.Offer(30002, "", siptest.G722)).FinalStatus(t); got != sip.StatusNotAcceptableHere {
		t.Errorf("an offer without a common codec was answered %d, want 488", got)
	}
	if refused.get("404") != 1 || refused.get("488") != 1 {
		t.Errorf("counted %v, want one 404 and one 488", refused.n)
	}
}

// A gateway that cannot keep its promises now (its spool is full) refuses new calls at
// admission with 503 and Retry-After, counted under the reason it gives; the handler never
// runs. OPTIONS probes get 503 too, so a balancer takes the node out, and 200 again once
// it has room (before, a full node answered probes 200 and kept getting calls).
func TestUnavailableGatewayAnswers503WithRetryAfter(t *testing.T) {
	var rejected reasons
	var full atomic.Bool
	full.Store(true)
	g := startGatewayWith(t, "udp", 4, handlerFunc(func(context.Context, *Inbound) {
		t.Error("the call handler ran while the gateway was unavailable")
	}), Admission{Rejected: rejected.add, Unavailable: func() string {
		if full.Load() {
			return "spool_full"
		}
		return ""
	}})
	trunk := siptest.NewPeer(t, "udp", nil)
	var retryAfter string
	call := trunk.InviteWatching(t, g.uri, siptest.Offer(30000, "", siptest.PCMU), func(res *sip.Response) {
		if h := res.GetHeader("Retry-After"); h != nil {
			retryAfter = h.Value()
		}
	})
	if got := call.FinalStatus(t); got != sip.StatusServiceUnavailable || retryAfter == "" {
		t.Fatalf("answered %d with Retry-After %q, want 503 with one", got, retryAfter)
	}
	if probe := trunk.Request(t, sip.NewRequest(sip.OPTIONS, g.uri)); probe.StatusCode != sip.StatusServiceUnavailable || probe.GetHeader("Retry-After") == nil {
		t.Fatalf("OPTIONS while the spool is full answered %d (Retry-After %v), want 503 with Retry-After", probe.StatusCode, probe.GetHeader("Retry-After"))
	}
	if n := rejected.get("spool_full"); n != 2 {
		t.Fatalf("%d refusals counted as spool_full, want 2 (the INVITE and the probe)", n)
	}
	if n := g.pool.InUse(); n != 0 {
		t.Fatalf("%d port pairs taken by a refused call", n)
	}
	full.Store(false)
	if probe := trunk.Request(t, sip.NewRequest(sip.OPTIONS, g.uri)); probe.StatusCode != sip.StatusOK {
		t.Fatalf("OPTIONS with room in the spool answered %d, want 200", probe.StatusCode)
	}
}
