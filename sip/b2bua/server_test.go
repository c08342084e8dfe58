package b2bua

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestOptionsOutOfDialogIsAnswered200WithAllow(t *testing.T) {
	g := startGateway(t, "udp", 4, handlerFunc(func(context.Context, *Inbound) {}))
	trunk := newPeer(t, "udp", nil)

	res := trunk.request(t, sip.NewRequest(sip.OPTIONS, g.uri))

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
		{name: "only G722 and opus offered", body: sdpOffer(30000, "", fmtG722, fmtOpus, "110 telephone-event/48000"), want: sip.StatusNotAcceptableHere},
		{name: "malformed SDP", body: "v=0\r\nthis is not SDP\r\n", want: sip.StatusNotAcceptableHere},
		{name: "no SDP at all", body: "", want: sip.StatusNotAcceptableHere},
		{name: "port pool exhausted", body: sdpOffer(30000, "", fmtPCMU), exhausted: true, want: sip.StatusServiceUnavailable},
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
			trunk := newPeer(t, "udp", nil)

			got := trunk.invite(t, g.uri, tt.body).finalStatus(t)

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
	trunk := newPeer(t, "udp", nil)

	res := trunk.request(t, sip.NewRequest(sip.CANCEL, g.uri))

	if res.StatusCode != sip.StatusCallTransactionDoesNotExists {
		t.Errorf("stray CANCEL answered %d, want 481", res.StatusCode)
	}
}

func TestRequestsOfUnknownDialogGet481(t *testing.T) {
	g := startGateway(t, "udp", 4, handlerFunc(func(context.Context, *Inbound) {}))
	trunk := newPeer(t, "udp", nil)

	for _, method := range []sip.RequestMethod{sip.BYE, sip.INFO, sip.INVITE, sip.UPDATE} {
		t.Run(string(method), func(t *testing.T) {
			req := sip.NewRequest(method, g.uri)
			to := &sip.ToHeader{Address: g.uri, Params: sip.NewParams()}
			to.Params.Add("tag", "no-such-dialog")
			req.AppendHeader(to)
			if method == sip.INVITE {
				req.AppendHeader(sip.HeaderClone(&trunk.contact))
			}

			res := trunk.request(t, req)

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
	trunk := newPeer(t, "udp", nil)
	call := trunk.invite(t, g.uri, sdpOffer(30000, "", fmtPCMA))
	if call.err != nil {
		t.Fatalf("call not answered: %v", call.err)
	}
	recv(t, legs, "answered call")

	g.shutdown(t)

	closed(t, ctxEnded, "the call handler's context to end")
	closed(t, call.dlg.Context().Done(), "the caller to get BYE")
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
	trunk := newPeer(t, "tcp", nil)

	call := trunk.invite(t, g.uri, sdpOffer(30000, "", fmtPCMU, fmtEvent))
	if call.err != nil {
		t.Fatalf("call over TCP not answered: %v", call.err)
	}
	in := recv(t, legs, "answered call")
	if got := call.answer.Formats[0].Name; got != "PCMU" {
		t.Errorf("answered %s, want PCMU", got)
	}
	byeCaller(t, call)
	closed(t, in.Done(), "the inbound leg to end")
}

// TestCallsLeaveNoGoroutineBehind counts goroutines twice. sipgo keeps one reader
// goroutine per transport connection until its UA closes, and the first call of each
// kind (caller hangs up, agent hangs up) opens such connections; so the per-call count
// is taken after one call of each kind and must come back after two more, and the count
// from before anything started must come back after Shutdown and the peers' Close.
func TestCallsLeaveNoGoroutineBehind(t *testing.T) {
	base := runtime.NumGoroutine()

	agentUA := newAgent(t, "udp", answerWith(sip.StatusOK, fmtPCMA, fmtEvent))
	dialed := make(chan error, 4)
	g := startGateway(t, "udp", 16, bridgeTo(agentUA.uri(), dialed))
	trunk := newPeer(t, "udp", nil)

	warm := 0
	for i := range 4 {
		if i == 2 {
			warm = runtime.NumGoroutine()
		}
		call := trunk.invite(t, g.uri, sdpOffer(30000+2*i, "", fmtPCMA, fmtEvent))
		if call.err != nil {
			t.Fatalf("call %d not answered: %v", i, call.err)
		}
		if err := recv(t, dialed, "dial"); err != nil {
			t.Fatalf("call %d: dial: %v", i, err)
		}
		agentDlg := recv(t, agentUA.answered, "agent answer")
		if i%2 == 0 {
			byeCaller(t, call)
			closed(t, agentDlg.Context().Done(), "BYE passed to the agent")
		} else {
			byeAgent(t, agentDlg)
			closed(t, call.dlg.Context().Done(), "BYE passed to the caller")
		}
		call.dlg.Close()
		agentDlg.Close()
		if i == 1 {
			// The warm-up calls' owners must be gone before the count is taken.
			waitUntil(t, func() bool { return g.pool.InUse() == 0 }, "warm-up calls to release their ports")
		}
	}
	goroutinesBack(t, warm)

	g.shutdown(t)
	trunk.close()
	agentUA.close()
	if n := g.pool.InUse(); n != 0 {
		t.Errorf("%d port pairs in use after the calls", n)
	}
	goroutinesBack(t, base)
}
