package b2bua

import (
	"context"
	"log/slog"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
)

// SecureMedia is a caller leg's media that negotiates its own transport from the SDP: a
// WebRTC peer connection (ICE, DTLS-SRTP) instead of a plain RTP port.
type SecureMedia interface {
	media.Leg
	// Answer takes the browser's offer (initial or re-offer) and returns the answer SDP.
	Answer(ctx context.Context, offer []byte) ([]byte, error)
}

// WebRTCFactory opens the media of one browser call for the codec the gateway chose from
// the offer, so both legs share it and the relay never transcodes.
type WebRTCFactory func(choice sdpneg.Choice, log *slog.Logger) (SecureMedia, error)

// MediaLeg is the leg's media as the IVR and the relay use it: the RTP endpoint, or the
// WebRTC peer connection of a browser caller.
func (l *leg) MediaLeg() media.Leg {
	if l.secure != nil {
		return l.secure
	}
	return l.Media
}

// WebRTC tells whether the leg's media is a browser's peer connection.
func (l *leg) WebRTC() bool { return l.secure != nil }

// overConnection tells whether a request came over a connection-oriented transport that
// is the only way back to its sender: a browser's WebSocket (RFC 7118 §5) has a Contact
// host ending in .invalid, so requests to it must reuse the connection the INVITE came on.
func overConnection(req *sip.Request) bool {
	switch strings.ToUpper(req.Transport()) {
	case "WS", "WSS":
		return true
	}
	return false
}
