package siptest

import (
	"context"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Agent is a peer playing the agent the gateway dials: it rings, then answers as its
// script says, and answers any re-INVITE 200.
type Agent struct {
	*Peer
	Invites   chan *sip.Request               // initial INVITEs, as received
	Reinvites chan *sip.Request               // re-INVITEs within an answered dialog
	Answered  chan *sipgo.DialogServerSession // dialogs it answers 2xx, as it sends the 2xx
	Acks      chan *sip.Request               // every ACK it gets
	Ringing   chan *sipgo.DialogServerSession // dialogs it left ringing (script said 180)
}

// NewAgent starts an agent; answer gives the final status and SDP for each INVITE, or
// 180 to ring until cancelled.
func NewAgent(t testing.TB, network string, answer func(req *sip.Request) (int, string)) *Agent {
	t.Helper()
	a := &Agent{
		Invites:   make(chan *sip.Request, 4),
		Reinvites: make(chan *sip.Request, 4),
		Answered:  make(chan *sipgo.DialogServerSession, 4),
		Ringing:   make(chan *sipgo.DialogServerSession, 4),
		Acks:      make(chan *sip.Request, 8),
	}
	a.Peer = NewPeer(t, network, func(p *Peer) {
		p.Server.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
			_ = p.UAS.ReadAck(req, tx)
			select {
			case a.Acks <- req:
			default:
			}
		})
		p.Server.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) { a.onInvite(p, answer, req, tx) })
	})
	return a
}

// onInvite takes p rather than reading a.Peer, which is set only once the peer serves.
func (a *Agent) onInvite(p *Peer, answer func(req *sip.Request) (int, string), req *sip.Request, tx sip.ServerTransaction) {
	if req.To().Params.Has("tag") {
		a.Reinvites <- req
		res := sip.NewSDPResponseFromRequest(req, []byte(Offer(40000, "", PCMA, TelephoneEvent)))
		res.AppendHeader(sip.HeaderClone(&p.Contact))
		_ = tx.Respond(res)
		return
	}
	dlg, err := p.UAS.ReadInvite(req, tx)
	if err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusBadRequest, "Bad Request", nil))
		return
	}
	a.Invites <- req
	code, body := answer(req)
	if code == sip.StatusRinging {
		_ = dlg.Respond(sip.StatusRinging, "Ringing", nil)
		a.Ringing <- dlg
		return
	}
	if code != sip.StatusOK {
		_ = dlg.Respond(code, "Scripted", nil)
		return
	}
	_ = dlg.Respond(sip.StatusRinging, "Ringing", nil)
	// Handed out before the 2xx: sipgo runs each request on its own goroutine, so an ACK
	// and a BYE right behind it may be read in either order and the wait for the ACK
	// inside RespondSDP can end either way.
	a.Answered <- dlg
	_ = dlg.RespondSDP([]byte(body))
}

// URI is where the gateway dials the agent.
func (a *Agent) URI() sip.Uri { return URI("agent", a.Addr, a.Network) }

// AnswerWith answers every INVITE with status code and, for 200, an SDP of formats.
func AnswerWith(code int, formats ...string) func(*sip.Request) (int, string) {
	return func(*sip.Request) (int, string) {
		return code, Offer(40000, "", formats...)
	}
}

// ByeAgent hangs up from the agent's side once its 2xx was ACKed (sipgo's BYE would
// otherwise poll for the ACK every T1); the BYE must get 200.
func ByeAgent(t testing.TB, dlg *sipgo.DialogServerSession) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for dlg.LoadState() < sip.DialogStateConfirmed {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the ACK to the agent's 2xx")
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not a synchronisation
	}
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	if err := dlg.Bye(ctx); err != nil {
		t.Fatalf("agent BYE: %v", err)
	}
}
