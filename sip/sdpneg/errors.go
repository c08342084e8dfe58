// Package sdpneg negotiates G.711 audio with SDP offer/answer (RFC 3264) on top of
// the RFC 4566 parser and marshaller of github.com/pion/sdp/v3.
package sdpneg

import "errors"

var (
	// ErrMalformed means the body is not a parseable session description.
	ErrMalformed = errors.New("sdpneg: malformed SDP")
	// ErrNoAudio means the description has no m=audio line.
	ErrNoAudio = errors.New("sdpneg: no audio stream")
	// ErrBadAddress means a c= or o= address is missing, not an IP literal, or does not
	// match its address type.
	ErrBadAddress = errors.New("sdpneg: bad connection address")
	// ErrNoCommonCodec means the offer has neither PCMU nor PCMA; SIP answers 488.
	ErrNoCommonCodec = errors.New("sdpneg: no common codec")
	// ErrSRTPPolicy means the offer's RTP or SRTP profile is one media.srtp refuses.
	ErrSRTPPolicy = errors.New("sdpneg: media profile refused by the SRTP policy")
	// ErrNoCommonCrypto means an SRTP offer has no a=crypto line the gateway can use.
	ErrNoCommonCrypto = errors.New("sdpneg: no usable SDES crypto suite")
	// ErrBadLocal means a Local cannot be marshalled (no address, no codec).
	ErrBadLocal = errors.New("sdpneg: incomplete local description")
)

var (
	// ErrStreamDisabled means the offer's only audio stream has port 0 (RFC 3264 §5.1):
	// there is nothing to answer; SIP answers 488.
	ErrStreamDisabled = errors.New("sdpneg: the audio stream is disabled (port 0)")
	// ErrNotUnicast means the audio stream's connection address is multicast or the
	// broadcast address: a call's media is only ever sent to one party; SIP answers 488.
	ErrNotUnicast = errors.New("sdpneg: connection address is not unicast")
)
