package dtmf

import "errors"

var (
	// ErrShortPayload is a telephone-event payload shorter than the 4 bytes
	// of RFC 4733 §2.3.
	ErrShortPayload = errors.New("dtmf: telephone-event payload shorter than 4 bytes")
	// ErrUnsupportedContentType is a SIP INFO body that is neither
	// application/dtmf-relay nor application/dtmf.
	ErrUnsupportedContentType = errors.New("dtmf: unsupported INFO content type")
	// ErrNoDigit is a SIP INFO body that carries no signal.
	ErrNoDigit = errors.New("dtmf: no digit in INFO body")
	// ErrInvalidDigit is a SIP INFO signal that is not one of 0-9 * # A-D.
	ErrInvalidDigit = errors.New("dtmf: invalid digit")
)
