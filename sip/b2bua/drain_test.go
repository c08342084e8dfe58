package b2bua

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/siptest"
)

// A draining server answers new INVITEs and OPTIONS probes 503 with Retry-After, while
// the call it holds goes on to its BYE.
func TestDrainRefusesNewCallsAndProbesButKeepsTheCallInProgress(t *testing.T) {
	legs := make(chan *Inbound, 2)
	var rejected reasons
	g := startGatewayWith(t, "udp", 4, answerAndWait(legs), Admission{RetryAfter: 7 * time.Second, Rejected: rejected.add})
	trunk := siptest.NewPeer(t, "udp", nil)
	first := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU))
	if first.Err != nil {
		t.Fatalf("call before the drain: %v", first.Err)
	}
	siptest.Recv(t, legs, "call before the drain")

	g.Drain()
	if !g.Draining() {
		t.Fatal("Draining() false after Drain")
	}
	probe := trunk.Request(t, sip.NewRequest(sip.OPTIONS, g.uri))
	if probe.StatusCode != sip.StatusServiceUnavailable || probe.GetHeader("Retry-After") == nil || probe.GetHeader("Retry-After").Value() != "7" {
		t.Fatalf("OPTIONS while draining answered %d (Retry-After %v), want 503 with Retry-After 7", probe.StatusCode, probe.GetHeader("Retry-After"))
	}
	var retryAfter string
	second := trunk.InviteWatching(t, g.uri, siptest.Offer(30002, "", siptest.PCMU), func(res *sip.Response) {
		if h := res.GetHeader("Retry-After"); h != nil {
			retryAfter = h.Value()
		}
	})
	if got := second.FinalStatus(t); got != sip.StatusServiceUnavailable || retryAfter != "7" {
		t.Fatalf("INVITE while draining answered %d (Retry-After %q), want 503 with Retry-After 7", got, retryAfter)
	}
	if n := rejected.get(RejectDraining); n != 2 {
		t.Errorf("%d requests counted as draining, want 2", n)
	}
	if n := g.AdmittedCalls(); n != 1 {
		t.Fatalf("%d calls admitted while draining, want the first one only", n)
	}
	first.Bye(t)
	waitUntil(t, func() bool { return g.AdmittedCalls() == 0 }, "the call in progress to end")
}
