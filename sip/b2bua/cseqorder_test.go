package b2bua

import (
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/siptest"
)

// infoWithCSeq is an INFO in the caller's dialog with the CSeq given, not the dialog's
// next one: sipgo numbers a dialog's requests itself.
func infoWithCSeq(call siptest.Call, seq uint32, signal string) *sip.Request {
	req := sip.NewRequest(sip.INFO, siptest.RemoteTarget(call.Dialog))
	req.AppendHeader(sip.HeaderClone(call.Dialog.InviteRequest.From()))
	req.AppendHeader(sip.HeaderClone(call.Dialog.InviteResponse.To()))
	req.AppendHeader(sip.HeaderClone(call.Dialog.InviteRequest.CallID()))
	req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: sip.INFO})
	req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
	req.SetBody([]byte("Signal=" + signal + "\r\nDuration=160\r\n"))
	return req
}

// Two INFOs sent back to back were handed to the call's owner in whichever order
// sipgo's goroutines ran: under load a caller's "*9" withdraw sequence arrived as "9*"
// and the withdrawal was missed (TestCallerWithdrawsConsentDuringTheCall, by SIP INFO).
// Here the second INFO is read first, as it was then: the owner still gets "*" first.
func TestInfosReachTheOwnerInCSeqOrder(t *testing.T) {
	legs := make(chan *Inbound, 1)
	g := startGatewayAdjusted(t, "udp", 2, answerAndWait(legs), func(o *Options) {
		o.reorderWait = testWait // the first INFO comes only once the second is answered
	})
	trunk := siptest.NewPeer(t, "udp", nil)
	call := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU, siptest.TelephoneEvent))
	if call.Err != nil {
		t.Fatalf("call not answered: %v", call.Err)
	}
	in := siptest.Recv(t, legs, "the answered call")
	first := call.Dialog.InviteRequest.CSeq().SeqNo + 1

	for _, req := range []*sip.Request{infoWithCSeq(call, first+1, "9"), infoWithCSeq(call, first, "*")} {
		if res := trunk.Request(t, req); res.StatusCode != sip.StatusOK {
			t.Fatalf("INFO answered %d, want 200", res.StatusCode)
		}
	}
	var got []string
	for range 2 {
		ev := siptest.Recv(t, in.Events(), "an INFO event")
		got = append(got, string(ev.Body[len("Signal="):len("Signal=")+1]))
	}
	if got[0] != "*" || got[1] != "9" {
		t.Fatalf("the owner got %v, want [* 9]", got)
	}
	call.Bye(t)
}

func TestCSeqOrderGivesUpOnALostPredecessor(t *testing.T) {
	o := cseqOrder{wait: 1, last: 5} // 1 ns: request 6 never comes
	if o.turn(7) {
		t.Fatal("request 7 had its turn before request 6")
	}
	o.done(7)
	if !o.turn(6) || !o.turn(8) {
		t.Fatal("a late request or the next one waited")
	}
}
