package media

// Leg is one call leg's media as the prompt player, the DTMF detectors, the relay and the
// recorder tap see it: packets in through a handler, packets out. A plain RTP Endpoint is
// one; a WebRTC peer connection (sip/webrtcleg) is another, so a browser caller gets the
// same prompt, digits, bridge and recording as a trunk caller.
type Leg interface {
	// SetHandler changes who receives the leg's RTP packets; nil drops them.
	SetHandler(h PacketHandler)
	// WriteRTP sends one RTP packet to the leg's peer.
	WriteRTP(pkt []byte) error
	// Close ends the leg's media; no handler runs after it returns.
	Close()
}

var _ Leg = (*Endpoint)(nil)
