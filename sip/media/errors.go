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
	// ErrAddressFamily means an SDP address the leg's sockets cannot reach: an IPv6
	// address for a gateway whose media.ip is IPv4, or the reverse.
	ErrAddressFamily = errors.New("media: address family not served by the media socket")
	// ErrNoRemote means the peer's address is not known yet (no SDP, no packet).
	ErrNoRemote = errors.New("media: remote address unknown")
)
