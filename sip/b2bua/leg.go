package b2bua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
)

// dialog is what a leg needs of sipgo's UAS or UAC dialog session for mid-dialog requests.
type dialog interface {
	Do(ctx context.Context, req *sip.Request) (*sip.Response, error)
	WriteRequest(req *sip.Request) error
	Context() context.Context
}

// leg is the part common to the caller leg and the agent leg: the anchored media endpoint,
// the codec both legs share, the local SDP and the events the owner listens to.
//
// Lock order: leg.mu guards only local and peerDirection and is never held while sending a
// SIP request or touching the media endpoint.
type leg struct {
	log *slog.Logger
	// Media is the leg's RTP endpoint; nil on a WebRTC leg, whose media is secure.
	Media  *media.Endpoint
	secure SecureMedia
	Choice sdpneg.Choice
	events chan Event
	// order hands the peer's in-dialog requests on in CSeq order.
	order cseqOrder

	mu            sync.Mutex
	local         sdpneg.Local
	peerDirection sdpneg.Direction
}

func newLeg(log *slog.Logger, ep *media.Endpoint, addr netip.Addr, choice sdpneg.Choice, sessionID uint64) leg {
	return leg{
		log:    log,
		Media:  ep,
		Choice: choice,
		events: make(chan Event, 16),
		local: sdpneg.Local{
			SessionID:      sessionID,
			SessionVersion: 1,
			Addr:           addr,
			Port:           ep.LocalAddr().Port(),
			Choice:         choice,
			Direction:      sdpneg.SendRecv,
			Ptime:          20,
		},
		peerDirection: sdpneg.SendRecv,
	}
}

// Log is the call-scoped logger of this leg.
func (l *leg) Log() *slog.Logger { return l.log }

// Events delivers INFO and hold/resume events of this leg's peer.
func (l *leg) Events() <-chan Event { return l.events }

// EventPT is the telephone-event payload type negotiated on this leg, 0 for none.
func (l *leg) EventPT() uint8 {
	if l.Choice.TelephoneEvent == nil {
		return 0
	}
	return l.Choice.TelephoneEvent.PayloadType
}

// AudioPT is the G.711 payload type negotiated on this leg.
func (l *leg) AudioPT() uint8 { return l.Choice.Audio.PayloadType }

func (l *leg) emit(ev Event) {
	select {
	case l.events <- ev:
	default:
		l.log.Warn("leg event dropped: owner not listening", "kind", ev.Kind)
	}
}

// sdp renders the local description with the given direction, as an answer to offer
// (nil for an offer of ours), with a new version when it changed (RFC 3264 §8).
func (l *leg) sdp(dir sdpneg.Direction, offer *sdpneg.Description) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if dir != l.local.Direction {
		l.local.SessionVersion++
		l.local.Direction = dir
	}
	local := l.local
	local.AnswerTo = offer
	return local.Marshal()
}

// setRemote points the media at the peer's SDP address (RTCP per RFC 3605 or port+1).
// An address of the other family than the leg's media socket is refused: the leg was
// set up in one family, and its socket cannot reach the other.
func (l *leg) setRemote(d *sdpneg.Description) error {
	if l.Media == nil {
		return nil // ICE finds a WebRTC peer's address
	}
	if local := l.Media.LocalAddr().Addr(); !sameFamily(local, d.Addr) {
		return Status(sip.StatusNotAcceptableHere, "Not Acceptable Here",
			fmt.Errorf("%w: the leg's media is %s, the SDP names %v", ErrAddressFamily, familyName(local), d.Addr))
	}
	return l.Media.SetRemote(netip.AddrPortFrom(d.Addr, d.Port), netip.AddrPortFrom(d.Addr, d.RTCPPort))
}

// peerDirectionOf is what the peer does with media per its SDP; the legacy hold form
// c=0.0.0.0 (RFC 3264 §8.4) means it does not want to receive.
func peerDirectionOf(d *sdpneg.Description) sdpneg.Direction {
	if d.OnHold() && d.Direction == sdpneg.SendRecv {
		return sdpneg.SendOnly
	}
	return d.Direction
}

// handleInfo answers an INFO and hands its body to the owner (DTMF, RFC 6086) after
// the INFOs sent before it, whatever order they were read in.
func (l *leg) handleInfo(req *sip.Request, tx sip.ServerTransaction) {
	respond(l.log, tx, sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil))
	n := req.CSeq().SeqNo
	if !l.order.turn(n) {
		l.log.Info("INFO handed on without the request before it", "cseq", n)
	}
	l.emit(infoEvent(req))
	l.order.done(n)
}

// handleReinvite answers a re-INVITE from the leg's peer: new address, same codec, the
// answer direction of RFC 3264 §6.1, and an EventHold when hold state changed.
func (l *leg) handleReinvite(req *sip.Request, tx sip.ServerTransaction, contact *sip.ContactHeader) {
	dir := sdpneg.SendRecv
	var offer *sdpneg.Description
	if len(req.Body()) > 0 {
		var err error
		offer, err = sdpneg.Parse(req.Body())
		if err != nil {
			l.log.Warn("re-INVITE with malformed SDP", "error", err)
			respond(l.log, tx, sip.NewResponseFromRequest(req, sip.StatusNotAcceptableHere, "Not Acceptable Here", nil))
			return
		}
		if l.reofferRefused(offer) {
			l.log.Warn("re-INVITE refused: media target not unicast or the gateway itself", "addr", offer.Addr)
			respond(l.log, tx, sip.NewResponseFromRequest(req, sip.StatusNotAcceptableHere, "Not Acceptable Here", nil))
			return
		}
		if !offers(offer, l.Choice.Audio) {
			l.log.Warn("re-INVITE drops the call's codec", "codec", l.Choice.Audio.Name)
			respond(l.log, tx, sip.NewResponseFromRequest(req, sip.StatusNotAcceptableHere, "Not Acceptable Here", nil))
			return
		}
		if err := l.setRemote(offer); err != nil {
			l.log.Warn("re-INVITE refused: media address not usable", "error", err)
			respond(l.log, tx, sip.NewResponseFromRequest(req, sip.StatusNotAcceptableHere, "Not Acceptable Here", nil))
			return
		}
		dir = peerDirectionOf(offer)
	}
	body, err := l.answerReinvite(dir, offer, req.Body())
	if err != nil {
		l.log.Warn("re-INVITE not answered", "error", err)
		respond(l.log, tx, sip.NewResponseFromRequest(req, sip.StatusInternalServerError, "Server Internal Error", nil))
		return
	}
	res := sip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(contact)
	respond(l.log, tx, res)

	l.mu.Lock()
	changed := l.peerDirection != dir
	l.peerDirection = dir
	l.mu.Unlock()
	if changed {
		l.emit(Event{Kind: EventHold, Direction: string(dir)})
	}
}

// answerReinvite renders the answer to a re-INVITE: our SDP, or the peer connection's
// answer to a browser's re-offer (a browser always offers in its re-INVITEs).
func (l *leg) answerReinvite(dir sdpneg.Direction, offer *sdpneg.Description, raw []byte) ([]byte, error) {
	if l.secure == nil {
		return l.sdp(sdpneg.AnswerDirection(dir), offer)
	}
	if offer == nil {
		return nil, errors.New("re-INVITE without an offer on a WebRTC leg")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return l.secure.Answer(ctx, raw)
}

// reoffer sends a re-INVITE on d with our SDP in direction dir and ACKs the answer: how
// hold and resume on one leg are passed to the other.
func (l *leg) reoffer(ctx context.Context, d dialog, target sip.Uri, dir sdpneg.Direction) error {
	body, err := l.sdp(dir, nil)
	if err != nil {
		return err
	}
	req := sip.NewRequest(sip.INVITE, target)
	req.SetBody(body)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res, err := d.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("re-INVITE: %w", err)
	}
	if !res.IsSuccess() {
		return Status(res.StatusCode, res.Reason, fmt.Errorf("re-INVITE refused"))
	}
	var remoteErr error
	if answer, err := sdpneg.Parse(res.Body()); err == nil {
		remoteErr = l.setRemote(answer)
	}
	ack := sip.NewRequest(sip.ACK, target)
	if err := d.WriteRequest(ack); err != nil {
		return err
	}
	if remoteErr != nil {
		return fmt.Errorf("re-INVITE answer: %w", remoteErr)
	}
	return nil
}

// offers tells whether an SDP still carries the call's codec.
func offers(d *sdpneg.Description, f sdpneg.Format) bool {
	for _, g := range d.Formats {
		if g.PayloadType == f.PayloadType || g.Is(f.Name, f.ClockRate) {
			return true
		}
	}
	return false
}

func respond(log *slog.Logger, tx sip.ServerTransaction, res *sip.Response) {
	if err := tx.Respond(res); err != nil {
		log.Warn("sending response failed", "status", res.StatusCode, "error", err)
	}
}
