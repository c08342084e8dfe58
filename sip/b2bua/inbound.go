package b2bua

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
)

// Inbound is the caller's leg: the trunk's (or browser's) INVITE that the gateway answers
// itself. Its media stays anchored on the gateway for the whole call (SPEC §4).
type Inbound struct {
	leg
	// Request is the caller's initial INVITE. Read only.
	Request *sip.Request
	// Offer is the caller's SDP offer.
	Offer   *sdpneg.Description
	dlg     *sipgo.DialogServerSession
	contact sip.ContactHeader
	server  *Server
	// answer is a WebRTC leg's SDP answer, negotiated before the call was taken.
	answer []byte
	// byeReceived is set when the caller's BYE arrives, before it is answered.
	byeReceived atomic.Bool
}

// Dial places the agent leg for this caller (see Server.Dial).
func (in *Inbound) Dial(ctx context.Context, r DialRequest) (*Outbound, error) {
	r.Caller = in
	return in.server.Dial(ctx, r)
}

// CallID is the caller's SIP Call-ID. It may hold the caller's number: only the receipt
// keeps it; logs and events carry CallIDKey.
func (in *Inbound) CallID() string { return in.Request.CallID().Value() }

// CallIDKey is the keyed hash of the Call-ID that names the call in logs and events.
func (in *Inbound) CallIDKey() string { return in.server.callKey(in.Request) }

// Done is closed when the caller's dialog ends: BYE, CANCEL, or a missing ACK.
func (in *Inbound) Done() <-chan struct{} { return in.dlg.Context().Done() }

// Context ends when the caller's dialog ends (as Done), so a call can derive its own.
func (in *Inbound) Context() context.Context { return in.dlg.Context() }

// Answer sends 200 OK with the gateway's SDP and waits for the ACK (RFC 3261 §13.3.1.4:
// the 2xx is retransmitted until then).
func (in *Inbound) Answer(ctx context.Context) error {
	body, err := in.answer, error(nil)
	if in.secure == nil {
		body, err = in.sdp(sdpneg.SendRecv, in.Offer)
	}
	if err != nil {
		return fmt.Errorf("building answer SDP: %w", err)
	}
	if err := in.dlg.RespondSDP(body); err != nil {
		return fmt.Errorf("answering caller: %w", err)
	}
	return nil
}

// Hangup sends BYE to the caller, unless the caller already left.
//
// sipgo's ReadBye answers the caller's BYE before it ends the dialog, so for a moment
// the caller has its 200 and the dialog still looks alive: a Hangup then would send a
// BYE the caller never answers and wait its whole ctx for it. byeReceived closes that
// window.
func (in *Inbound) Hangup(ctx context.Context) error {
	if in.byeReceived.Load() {
		return nil
	}
	select {
	case <-in.Done():
		return nil
	default:
	}
	var err error
	if overConnection(in.Request) {
		bye := sip.NewRequest(sip.BYE, in.Request.Contact().Address)
		bye.SetTransport(in.Request.Transport())
		bye.SetDestination(in.Request.Source())
		err = in.dlg.WriteBye(ctx, bye)
	} else {
		err = in.dlg.Bye(ctx)
	}
	if err != nil {
		return fmt.Errorf("BYE to caller: %w", err)
	}
	return nil
}

// Hold passes a hold or resume to the caller with a re-INVITE.
func (in *Inbound) Hold(ctx context.Context, peerDirection string) error {
	if in.secure != nil {
		// A browser keeps receiving: its peer connection would need our own re-offer.
		in.log.Info("hold not passed to a WebRTC caller", "direction", peerDirection)
		return nil
	}
	return in.reoffer(ctx, in.dlg, in.Request.Contact().Address, sdpneg.Direction(peerDirection))
}

func (in *Inbound) handle(req *sip.Request, tx sip.ServerTransaction) {
	if req.Method != sip.INFO && req.Method != sip.ACK {
		in.order.done(req.CSeq().SeqNo) // takes its number; only INFOs wait for a turn
	}
	switch req.Method {
	case sip.ACK:
		_ = in.dlg.ReadAck(req, tx) // an ACK to a re-INVITE's 2xx fails the CSeq check: harmless
	case sip.BYE:
		if req.CSeq().SeqNo >= in.Request.CSeq().SeqNo {
			in.byeReceived.Store(true) // before ReadBye sends the 200: see Hangup
		}
		if err := in.dlg.ReadBye(req, tx); err != nil {
			in.log.Warn("caller BYE rejected", "error", err)
			respond(in.log, tx, sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		}
	case sip.INFO:
		in.handleInfo(req, tx)
	case sip.INVITE:
		in.handleReinvite(req, tx, &in.contact)
	default:
		notImplemented(in.log, req, tx)
	}
}
