package media

import "errors"

var (
	// ErrPortsExhausted means every RTP port pair of media.port_min..port_max is in use:
	// the call is refused with 503 rather than answered without media.
	ErrPortsExhausted = errors.New("media: no free RTP port pair")
	// ErrNotRTP is a datagram on an RTP port that is not an RTP version 2 packet.
	ErrNotRTP = errors.New("media: not an RTP packet")
	// ErrSRTPKey means an SRTP master key and salt of the wrong length.
	ErrSRTPKey = errors.New("media: bad SRTP key")
	// ErrPoolClosed means the gateway is shutting down: no new media is started.
	ErrPoolClosed = errors.New("media: port pool closed")
	// ErrNoRemote means the peer's address is not known yet (no SDP, no packet).
	ErrNoRemote = errors.New("media: remote address unknown")
)
