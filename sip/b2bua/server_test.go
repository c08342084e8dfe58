package b2bua

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/siptest"
)

func TestOptionsOutOfDialogIsAnswered200WithAllow(t *testing.T) {
	g := startGateway(t, "udp", 4, handlerFunc(func(context.Context, *Inbound) {}))
	trunk := siptest.NewPeer(t, "udp", nil)

	res := trunk.Request(t, sip.NewRequest(sip.OPTIONS, g.uri))

	if res.StatusCode != sip.StatusOK {
		t.Fatalf("OPTIONS answered %d, want 200", res.StatusCode)
	}
	allow := res.GetHeader("Allow")
	if allow == nil {
		t.Fatal("200 to OPTIONS has no Allow header")
	}
	for _, m := range []string{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO"} {
		if !strings.Contains(allow.Value(), m) {
			t.Errorf("Allow %q lacks %s", allow.Value(), m)
		}
	}
}

func TestInviteRefusedBeforeTheCallHandler(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		exhausted bool
		want      int
	}{
		{name: "only G722 and opus offered", body: siptest.Offer(30000, "", siptest.G722, siptest.Opus, "110 telephone-event/48000"), want: sip.StatusNotAcceptableHere},
		{name: "malformed SDP", body: "v=0\r\nthis is not SDP\r\n", want: sip.StatusNotAcceptableHere},
		{name: "no SDP at all", body: "", want: sip.StatusNotAcceptableHere},
		{name: "port pool exhausted", body: siptest.Offer(30000, "", siptest.PCMU), exhausted: true, want: sip.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var served atomic.Int32
			g := startGateway(t, "udp", 1, handlerFunc(func(ctx context.Context, in *Inbound) {
				served.Add(1)
				in.Refuse(Status(sip.StatusForbidden, "Forbidden", nil))
			}))
			held := 0
			if tt.exhausted {
				// If another process holds the only pair, the pool is exhausted already.
				if ep, err := g.pool.Open(); err == nil {
					defer ep.Close()
					held = 1
				}
			}
			trunk := siptest.NewPeer(t, "udp", nil)

			got := trunk.Invite(t, g.uri, tt.body).FinalStatus(t)

			if got != tt.want {
				t.Errorf("INVITE answered %d, want %d", got, tt.want)
			}
			if n := served.Load(); n != 0 {
				t.Errorf("call handler ran %d times for a refused INVITE", n)
			}
			if n := g.pool.InUse(); n != held {
				t.Errorf("%d port pairs in use after the refusal, want %d", n, held)
			}
			if n := legCount(g.Server); n != 0 {
				t.Errorf("%d dialogs left behind", n)
			}
		})
	}
}

func TestStrayCancelGets481(t *testing.T) {
	g := startGateway(t, "udp", 4, handlerFunc(func(context.Context, *Inbound) {}))
	trunk := siptest.NewPeer(t, "udp", nil)

	res := trunk.Request(t, sip.NewRequest(sip.CANCEL, g.uri))

	if res.StatusCode != sip.StatusCallTransactionDoesNotExists {
		t.Errorf("stray CANCEL answered %d, want 481", res.StatusCode)
	}
}

func TestRequestsOfUnknownDialogGet481(t *testing.T) {
	g := startGateway(t, "udp", 4, handlerFunc(func(context.Context, *Inbound) {}))
	trunk := siptest.NewPeer(t, "udp", nil)

	for _, method := range []sip.RequestMethod{sip.BYE, sip.INFO, sip.INVITE, sip.UPDATE} {
		t.Run(string(method), func(t *testing.T) {
			req := sip.NewRequest(method, g.uri)
			to := &sip.ToHeader{Address: g.uri, Params: sip.NewParams()}
			to.Params.Add("tag", "no-such-dialog")
			req.AppendHeader(to)
			if method == sip.INVITE {
				req.AppendHeader(sip.HeaderClone(&trunk.Contact))
			}

			res := trunk.Request(t, req)

			if res.StatusCode != sip.StatusCallTransactionDoesNotExists {
				t.Errorf("%s of an unknown dialog answered %d, want 481", method, res.StatusCode)
			}
		})
	}
}

func TestShutdownEndsCallsInProgress(t *testing.T) {
	legs := make(chan *Inbound, 1)
	ctxEnded := make(chan struct{})
	g := startGateway(t, "udp", 4, handlerFunc(func(ctx context.Context, in *Inbound) {
		context.AfterFunc(ctx, func() { close(ctxEnded) })
		answerAndWait(legs)(ctx, in)
	}))
	trunk := siptest.NewPeer(t, "udp", nil)
	call := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMA))
	if call.Err != nil {
		t.Fatalf("call not answered: %v", call.Err)
	}
	siptest.Recv(t, legs, "answered call")

	g.shutdown(t)

	closed(t, ctxEnded, "the call handler's context to end")
	closed(t, call.Dialog.Context().Done(), "the caller to get BYE")
	if n := g.pool.InUse(); n != 0 {
		t.Errorf("%d port pairs in use after Shutdown", n)
	}
	if n := g.ActiveCalls(); n != 0 {
		t.Errorf("%d calls active after Shutdown", n)
	}
}

func TestCallOverTCP(t *testing.T) {
	legs := make(chan *Inbound, 1)
	g := startGateway(t, "tcp", 4, answerAndWait(legs))
	trunk := siptest.NewPeer(t, "tcp", nil)

	call := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU, siptest.TelephoneEvent))
	if call.Err != nil {
		t.Fatalf("call over TCP not answered: %v", call.Err)
	}
	in := siptest.Recv(t, legs, "answered call")
	if got := call.Answer.Formats[0].Name; got != "PCMU" {
		t.Errorf("answered %s, want PCMU", got)
	}
	call.Bye(t)
	closed(t, in.Done(), "the inbound leg to end")
}

// TestCallsLeaveNoGoroutineBehind counts goroutines twice. sipgo keeps one reader
// goroutine per transport connection until its UA closes, and the first call of each
// kind (caller hangs up, agent hangs up) opens such connections; so the per-call count
// is taken after one call of each kind and must come back after two more, and the count
// from before anything started must come back after Shutdown and the peers' Close.
func TestCallsLeaveNoGoroutineBehind(t *testing.T) {
	base := runtime.NumGoroutine()

	agentUA := siptest.NewAgent(t, "udp", siptest.AnswerWith(sip.StatusOK, siptest.PCMA, siptest.TelephoneEvent))
	dialed := make(chan error, 4)
	g := startGateway(t, "udp", 16, bridgeTo(agentUA.URI(), dialed))
	trunk := siptest.NewPeer(t, "udp", nil)

	warm := 0
	for i := range 4 {
		if i == 2 {
			warm = runtime.NumGoroutine()
		}
		call := trunk.Invite(t, g.uri, siptest.Offer(30000+2*i, "", siptest.PCMA, siptest.TelephoneEvent))
		if call.Err != nil {
			t.Fatalf("call %d not answered: %v", i, call.Err)
		}
		if err := siptest.Recv(t, dialed, "dial"); err != nil {
			t.Fatalf("call %d: dial: %v", i, err)
		}
		agentDlg := siptest.Recv(t, agentUA.Answered, "agent answer")
		if i%2 == 0 {
			call.Bye(t)
			closed(t, agentDlg.Context().Done(), "BYE passed to the agent")
		} else {
			siptest.ByeAgent(t, agentDlg)
			closed(t, call.Dialog.Context().Done(), "BYE passed to the caller")
		}
		call.Dialog.Close()
		agentDlg.Close()
		if i == 1 {
			// The warm-up calls' owners must be gone before the count is taken.
			waitUntil(t, func() bool { return g.pool.InUse() == 0 }, "warm-up calls to release their ports")
		}
	}
	goroutinesBack(t, warm)

	g.shutdown(t)
	trunk.Close()
	agentUA.Close()
	if n := g.pool.InUse(); n != 0 {
		t.Errorf("%d port pairs in use after the calls", n)
	}
	goroutinesBack(t, base)
}
