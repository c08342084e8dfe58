package b2bua

import (
	"net/netip"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
)

// checkOffer refuses, with 488 (RFC 3261 §21.4.26), an initial offer whose audio the
// gateway must not take: a disabled stream (port 0), a multicast or broadcast address,
// or a media port the gateway holds for a call, which would loop media back into it.
func (s *Server) checkOffer(offer *sdpneg.Description) *refusal {
	if err := offer.CheckTarget(); err != nil {
		return newRefusal(sip.StatusNotAcceptableHere, "Not Acceptable Here")
	}
	if s.ownMedia(offer) {
		return newRefusal(sip.StatusNotAcceptableHere, "Not Acceptable Here")
	}
	return nil
}

// ownMedia tells whether the offer points media at one of the gateway's own RTP or RTCP
// ports in use. Ports of the range not in use are not refused: a caller on the gateway's
// own host (a test, a local softphone) may use them.
func (s *Server) ownMedia(offer *sdpneg.Description) bool {
	if !offer.Addr.IsValid() {
		return false
	}
	m, err := s.mediaFor(offer.Addr)
	return err == nil && m.Ports != nil && offer.Addr.Unmap() == m.IP.Unmap() && m.Ports.Holds(int(offer.Port))
}

// checkAnswer runs before 100 Trying: the 200 OK this call will be answered with must fit
// the transport it goes back on.
func (s *Server) checkAnswer(req *sip.Request, in *Inbound, contact *sip.ContactHeader) *refusal {
	if !overUDP(req) {
		return nil
	}
	body := in.answer
	if in.secure == nil {
		var err error
		if body, err = in.sdp(sdpneg.SendRecv, in.Offer); err != nil {
			return nil // Answer reports it
		}
	}
	return answerTooLarge(req, body, contact)
}

// reofferRefused checks a re-INVITE's offer as checkOffer does an initial one, except
// that a disabled stream or the zero address (the legacy hold form, RFC 3264 §8.4) stays
// allowed: only a new target that is not unicast, or the leg's own socket, is refused.
func (l *leg) reofferRefused(offer *sdpneg.Description) bool {
	if offer.CheckUnicast() != nil {
		return true
	}
	return l.Media != nil && netip.AddrPortFrom(offer.Addr, offer.Port) == l.Media.LocalAddr()
}
