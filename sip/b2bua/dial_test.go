package b2bua

import (
	"context"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/siptest"
)

func TestDialOffersCallersCodecAndPassesHoldAndBye(t *testing.T) {
	tests := []struct {
		name      string
		caller    []string
		wantCodec string
		wantPT    uint8
	}{
		{name: "PCMA caller with events", caller: []string{siptest.PCMA, siptest.TelephoneEvent}, wantCodec: "PCMA", wantPT: 8},
		{name: "PCMU caller without events", caller: []string{siptest.PCMU}, wantCodec: "PCMU", wantPT: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := siptest.NewAgent(t, "udp", siptest.AnswerWith(sip.StatusOK, tt.caller[0], siptest.TelephoneEvent))
			g, _, in := answeredCall(t, siptest.Offer(30000, "", tt.caller...))
			ctx, cancel := context.WithTimeout(context.Background(), testWait)
			defer cancel()

			out, err := in.Dial(ctx, DialRequest{
				Target: a.URI(),
				Headers: []sip.Header{
					sip.NewHeader("X-Recording-Consent", "granted"),
					sip.NewHeader("X-Consent-ID", "01TESTRECEIPT"),
				},
				Timeout: testWait,
			})
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer out.Close()

			inv := siptest.Recv(t, a.Invites, "agent INVITE")
			for name, want := range map[string]string{"X-Recording-Consent": "granted", "X-Consent-ID": "01TESTRECEIPT"} {
				if h := inv.GetHeader(name); h == nil || h.Value() != want {
					t.Errorf("agent INVITE %s = %v, want %q", name, h, want)
				}
			}
			if got := inv.From().Address.User; got != "caller" {
				t.Errorf("agent sees caller %q, want the caller's user part", got)
			}
			offer, err := sdpneg.Parse(inv.Body())
			if err != nil {
				t.Fatalf("agent INVITE SDP: %v", err)
			}
			if f := offer.Formats[0]; f.Name != tt.wantCodec || f.PayloadType != tt.wantPT {
				t.Errorf("agent offered %s/%d first, want the caller's %s/%d", f.Name, f.PayloadType, tt.wantCodec, tt.wantPT)
			}
			if !slices.ContainsFunc(offer.Formats, func(f sdpneg.Format) bool { return f.Is(sdpneg.NameTelephoneEvent, 8000) }) {
				t.Errorf("agent offer %+v has no telephone-event", offer.Formats)
			}
			agentDlg := siptest.Recv(t, a.Answered, "agent answer")

			if err := out.Hold(ctx, "sendonly"); err != nil {
				t.Fatalf("Hold: %v", err)
			}
			reinv := siptest.Recv(t, a.Reinvites, "agent re-INVITE")
			held, err := sdpneg.Parse(reinv.Body())
			if err != nil {
				t.Fatalf("re-INVITE SDP: %v", err)
			}
			if held.Direction != sdpneg.SendOnly {
				t.Errorf("hold re-INVITE offers %s, want sendonly", held.Direction)
			}

			siptest.ByeAgent(t, agentDlg)
			closed(t, out.Done(), "Outbound.Done after the agent's BYE")
			out.Close()
			if n := g.pool.InUse(); n != 1 {
				t.Errorf("%d port pairs in use with only the caller's leg left, want 1", n)
			}
			if n := legCount(g.Server); n != 1 {
				t.Errorf("%d dialogs routed with only the caller's leg left, want 1", n)
			}
		})
	}
}

func TestDialFailureLeavesNoLegBehind(t *testing.T) {
	tests := []struct {
		name    string
		answer  func(*sip.Request) (int, string) // nil: nothing listens at the target
		timeout time.Duration
		want    []int
		// answered: the agent answered 2xx, so the gateway must ACK it and end it with BYE.
		answered bool
		// cancelled: the agent was left ringing, so the gateway must CANCEL it.
		cancelled bool
	}{
		{name: "agent busy", answer: siptest.AnswerWith(sip.StatusBusyHere), timeout: testWait, want: []int{sip.StatusBusyHere}},
		{name: "agent declines", answer: siptest.AnswerWith(603), timeout: testWait, want: []int{603}},
		{name: "agent answers without the caller's codec", answer: siptest.AnswerWith(sip.StatusOK, siptest.G722), timeout: testWait, want: []int{sip.StatusNotAcceptableHere}, answered: true},
		{name: "agent rings past the timeout", answer: siptest.AnswerWith(sip.StatusRinging), timeout: 300 * time.Millisecond, want: []int{sip.StatusRequestTimeout}, cancelled: true},
		{name: "nothing listens", timeout: 300 * time.Millisecond, want: []int{sip.StatusRequestTimeout, sip.StatusServiceUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a *siptest.Agent
			target := siptest.URI("agent", net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t, "udp"))), "udp")
			if tt.answer != nil {
				a = siptest.NewAgent(t, "udp", tt.answer)
				target = a.URI()
			}
			g, _, in := answeredCall(t, siptest.Offer(30000, "", siptest.PCMA, siptest.TelephoneEvent))

			result := make(chan error, 1)
			go func() {
				out, err := in.Dial(context.Background(), DialRequest{Target: target, Timeout: tt.timeout})
				if out != nil {
					out.Close()
				}
				result <- err
			}()
			err := siptest.Recv(t, result, "Dial to give up")

			if err == nil {
				t.Fatal("Dial succeeded, want an error")
			}
			if code, _ := StatusOf(err); !slices.Contains(tt.want, code) {
				t.Errorf("Dial error %v has status %d, want one of %v", err, code, tt.want)
			}
			if tt.cancelled {
				dlg := siptest.Recv(t, a.Ringing, "the agent to ring")
				closed(t, dlg.Context().Done(), "CANCEL to the ringing agent")
			}
			if tt.answered {
				dlg := siptest.Recv(t, a.Answered, "the agent's answer")
				siptest.Recv(t, a.Acks, "ACK to the agent's answer")
				closed(t, dlg.Context().Done(), "BYE to the agent whose answer was refused")
			}
			if n := g.pool.InUse(); n != 1 {
				t.Errorf("%d port pairs in use after the failed dial, want 1 (the caller's)", n)
			}
			if n := legCount(g.Server); n != 1 {
				t.Errorf("%d dialogs routed after the failed dial, want 1 (the caller's)", n)
			}
		})
	}
}
