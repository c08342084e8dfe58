package b2bua

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
)

// Outbound is the agent's leg: the INVITE the gateway places to the route's recording or
// non-recording target once the consent decision is made.
type Outbound struct {
	leg
	dlg   *sipgo.DialogClientSession
	close func()
	// contact is the Contact of the dialog UA the INVITE went out on, so an answer to the
	// target's re-INVITE keeps its transport (TLS stays TLS, RFC 3261 §26.2.1).
	contact sip.ContactHeader
}

// Close releases the leg's media ports and dialog; call it once the leg is over.
func (out *Outbound) Close() {
	if out.close != nil {
		out.close()
	}
	out.Media.Close()
	if out.dlg != nil {
		out.dlg.Close()
	}
}

// Done is closed when the agent's dialog ends.
func (out *Outbound) Done() <-chan struct{} { return out.dlg.Context().Done() }

// Hangup sends BYE to the agent, unless the agent already left.
func (out *Outbound) Hangup(ctx context.Context) error {
	select {
	case <-out.Done():
		return nil
	default:
	}
	if err := out.dlg.Bye(ctx); err != nil {
		return fmt.Errorf("BYE to agent: %w", err)
	}
	return nil
}

// Hold passes a hold or resume to the agent with a re-INVITE. The gateway offers on the
// caller's behalf what the caller does: a caller that only sends (music on hold) makes the
// gateway only send to the agent.
func (out *Outbound) Hold(ctx context.Context, peerDirection string) error {
	return out.reoffer(ctx, out.dlg, out.remoteTarget(), sdpneg.Direction(peerDirection))
}

func (out *Outbound) remoteTarget() sip.Uri {
	if c := out.dlg.InviteResponse.Contact(); c != nil {
		return c.Address
	}
	return out.dlg.InviteRequest.Recipient
}

func (out *Outbound) handle(req *sip.Request, tx sip.ServerTransaction, contact *sip.ContactHeader) {
	if req.Method != sip.INFO && req.Method != sip.ACK {
		out.order.done(req.CSeq().SeqNo) // takes its number; only INFOs wait for a turn
	}
	switch req.Method {
	case sip.ACK:
		// ACK to our 2xx of the agent's re-INVITE: nothing to do.
	case sip.BYE:
		if err := out.dlg.ReadBye(req, tx); err != nil {
			out.log.Warn("agent BYE failed", "error", err)
		}
	case sip.INFO:
		out.handleInfo(req, tx)
	case sip.INVITE:
		out.handleReinvite(req, tx, contact)
	default:
		notImplemented(out.log, req, tx)
	}
}

func notImplemented(log *slog.Logger, req *sip.Request, tx sip.ServerTransaction) {
	log.Info("unsupported in-dialog request", "method", string(req.Method))
	if err := tx.Respond(sip.NewResponseFromRequest(req, sip.StatusNotImplemented, "Not Implemented", nil)); err != nil {
		log.Info("responding 501 failed", "error", err)
	}
}
