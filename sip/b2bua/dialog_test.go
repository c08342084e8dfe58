package b2bua

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/siptest"
)

// answeredCall places a caller's call with offer and returns it answered and ACKed,
// with the inbound leg the handler got. The handler answers only once the caller saw
// 100 Trying: sipgo hands each response to the transaction on its own goroutine, so a
// 200 sent right after the 100 could overtake it.
func answeredCall(t *testing.T, offer string) (*gateway, siptest.Call, *Inbound) {
	t.Helper()
	legs := make(chan *Inbound, 1)
	trying := make(chan struct{})
	var once sync.Once
	g := startGateway(t, "udp", 4, handlerFunc(func(ctx context.Context, in *Inbound) {
		select {
		case <-trying:
		case <-time.After(testWait):
		}
		answerAndWait(legs)(ctx, in)
	}))
	trunk := siptest.NewPeer(t, "udp", nil)
	// Shut down while the trunk can still take the gateway's BYE.
	t.Cleanup(func() { g.shutdown(t) })
	call := trunk.InviteWatching(t, g.uri, offer, func(res *sip.Response) {
		if res.StatusCode == sip.StatusTrying {
			once.Do(func() { close(trying) })
		}
	})
	if call.Err != nil {
		t.Fatalf("call not answered: %v", call.Err)
	}
	return g, call, siptest.Recv(t, legs, "answered call")
}

func TestAnswerKeepsCallersFirstG711Codec(t *testing.T) {
	tests := []struct {
		name      string
		offer     []string
		wantCodec string
		wantPT    uint8
		wantEvent bool
	}{
		{name: "PCMA first", offer: []string{siptest.G722, siptest.PCMA, siptest.PCMU, siptest.TelephoneEvent}, wantCodec: "PCMA", wantPT: 8, wantEvent: true},
		{name: "PCMU first", offer: []string{siptest.PCMU, siptest.PCMA, siptest.TelephoneEvent}, wantCodec: "PCMU", wantPT: 0, wantEvent: true},
		{name: "no telephone-event offered", offer: []string{siptest.PCMA}, wantCodec: "PCMA", wantPT: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, call, in := answeredCall(t, siptest.Offer(30000, "", tt.offer...))

			if !slices.Equal(call.Statuses, []int{sip.StatusTrying, sip.StatusOK}) {
				t.Errorf("caller saw %v, want [100 200]", call.Statuses)
			}
			a := call.Answer
			if len(a.Formats) == 0 || a.Formats[0].Name != tt.wantCodec || a.Formats[0].PayloadType != tt.wantPT {
				t.Fatalf("answer formats %+v, want %s/%d first", a.Formats, tt.wantCodec, tt.wantPT)
			}
			hasEvent := slices.ContainsFunc(a.Formats, func(f sdpneg.Format) bool {
				return f.Is(sdpneg.NameTelephoneEvent, 8000) && f.PayloadType == 101
			})
			if hasEvent != tt.wantEvent {
				t.Errorf("answer has telephone-event/101: %v, want %v", hasEvent, tt.wantEvent)
			}
			if a.Direction != sdpneg.SendRecv {
				t.Errorf("answer direction %s, want sendrecv", a.Direction)
			}
			if got := int(a.Port); got != int(in.Media.LocalAddr().Port()) {
				t.Errorf("answer announces port %d, the leg's media is on %d", got, in.Media.LocalAddr().Port())
			}
			if in.AudioPT() != tt.wantPT {
				t.Errorf("leg AudioPT %d, want %d", in.AudioPT(), tt.wantPT)
			}

			call.Bye(t)
			closed(t, in.Done(), "Inbound.Done after the caller's BYE")
		})
	}
}

func TestInfoDTMFRelayIsAnsweredAndPassedOn(t *testing.T) {
	_, call, in := answeredCall(t, siptest.Offer(30000, "", siptest.PCMA, siptest.TelephoneEvent))
	body := "Signal=5\r\nDuration=160\r\n"
	req := sip.NewRequest(sip.INFO, siptest.RemoteTarget(call.Dialog))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
	req.SetBody([]byte(body))

	res := siptest.InDialog(t, call.Dialog, req)

	if res.StatusCode != sip.StatusOK {
		t.Fatalf("INFO answered %d, want 200", res.StatusCode)
	}
	ev := nextEvent(t, in.Events())
	if ev.Kind != EventInfo || ev.ContentType != "application/dtmf-relay" || string(ev.Body) != body {
		t.Errorf("event %+v, want EventInfo application/dtmf-relay %q", ev, body)
	}
}

func TestReinviteHoldAndResumeReachTheOwner(t *testing.T) {
	_, call, in := answeredCall(t, siptest.Offer(30000, "", siptest.PCMA, siptest.TelephoneEvent))
	steps := []struct {
		offer      string
		wantAnswer sdpneg.Direction
		wantEvent  string
	}{
		{offer: "sendonly", wantAnswer: sdpneg.RecvOnly, wantEvent: "sendonly"},
		{offer: "sendrecv", wantAnswer: sdpneg.SendRecv, wantEvent: "sendrecv"},
	}
	for _, st := range steps {
		req := sip.NewRequest(sip.INVITE, siptest.RemoteTarget(call.Dialog))
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody([]byte(siptest.Offer(30000, st.offer, siptest.PCMA, siptest.TelephoneEvent)))

		res := siptest.InDialog(t, call.Dialog, req)

		if res.StatusCode != sip.StatusOK {
			t.Fatalf("re-INVITE %s answered %d, want 200", st.offer, res.StatusCode)
		}
		if err := call.Dialog.WriteRequest(sip.NewRequest(sip.ACK, siptest.RemoteTarget(call.Dialog))); err != nil {
			t.Fatalf("ACK to re-INVITE: %v", err)
		}
		answer, err := sdpneg.Parse(res.Body())
		if err != nil {
			t.Fatalf("re-INVITE answer: %v", err)
		}
		if answer.Direction != st.wantAnswer {
			t.Errorf("answer to %s is %s, want %s", st.offer, answer.Direction, st.wantAnswer)
		}
		ev := nextEvent(t, in.Events())
		if ev.Kind != EventHold || ev.Direction != st.wantEvent {
			t.Errorf("event %+v, want EventHold %s", ev, st.wantEvent)
		}
	}
}

func TestUnknownInDialogMethodGets501(t *testing.T) {
	_, call, in := answeredCall(t, siptest.Offer(30000, "", siptest.PCMU))
	for _, method := range []sip.RequestMethod{sip.UPDATE, sip.MESSAGE} {
		t.Run(string(method), func(t *testing.T) {
			res := siptest.InDialog(t, call.Dialog, sip.NewRequest(method, siptest.RemoteTarget(call.Dialog)))

			if res.StatusCode != sip.StatusNotImplemented {
				t.Errorf("in-dialog %s answered %d, want 501", method, res.StatusCode)
			}
		})
	}
	select {
	case <-in.Done():
		t.Error("an unsupported request ended the call")
	default:
	}
}

func TestCancelBeforeAnswerEndsInboundLeg(t *testing.T) {
	ended := make(chan error, 1)
	g := startGateway(t, "udp", 4, handlerFunc(func(ctx context.Context, in *Inbound) {
		select {
		case <-in.Done():
			ended <- in.Answer(ctx) // too late: must fail, not answer a cancelled call
		case <-time.After(testWait):
			ended <- nil
		}
	}))
	trunk := siptest.NewPeer(t, "udp", nil)
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	req := sip.NewRequest(sip.INVITE, g.uri)
	req.AppendHeader(sip.HeaderClone(&trunk.Contact))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody([]byte(siptest.Offer(30000, "", siptest.PCMA)))
	dlg, err := trunk.UAC.WriteInvite(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer dlg.Close()
	waitCtx, giveUp := context.WithCancel(ctx)
	defer giveUp()

	// Cancelling WaitAnswer's context after the 100 makes sipgo send CANCEL.
	_ = dlg.WaitAnswer(waitCtx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
		if res.StatusCode == sip.StatusTrying {
			giveUp()
		}
		return nil
	}})

	if got := dlg.InviteResponse.StatusCode; got != sip.StatusRequestTerminated {
		t.Errorf("cancelled INVITE ended with %d, want 487", got)
	}
	if err := siptest.Recv(t, ended, "the handler to see the leg end"); err == nil {
		t.Error("Inbound.Done did not close on CANCEL, or Answer succeeded after it")
	}
	g.shutdown(t)
	if n := g.pool.InUse(); n != 0 {
		t.Errorf("%d port pairs in use after the cancelled call", n)
	}
}
