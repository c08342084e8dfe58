// Package dtmf turns the three ways a caller's key press reaches the gateway
// into digits: RFC 4733 telephone-events in RTP, SIP INFO bodies, and in-band
// tones in the audio (ITU-T Q.23/Q.24).
//
// Every detector reports a digit as one byte of "0123456789*#ABCD".
package dtmf

// Method is how a digit reached the gateway; the values are those of the
// consent receipt (SPEC §5).
type Method string

const (
	// MethodRFC4733 is a telephone-event in the RTP stream (RFC 4733 §2).
	MethodRFC4733 Method = "rfc4733"
	// MethodSIPInfo is a SIP INFO with an application/dtmf-relay or
	// application/dtmf body.
	MethodSIPInfo Method = "sip-info"
	// MethodInband is a DTMF tone detected in the audio.
	MethodInband Method = "inband"
)

// Digit is a detected key press and how it arrived.
type Digit struct {
	Digit  byte
	Method Method
}

// digits lists the DTMF keys in RFC 4733 §3.2 event code order (0-9, *, #, A-D).
const digits = "0123456789*#ABCD"

// EventDigit returns the key of an RFC 4733 §3.2 DTMF event code: 0-9 are the
// digits, 10 is '*', 11 is '#', 12-15 are A-D. Other events (flash, tones) are
// not keys.
func EventDigit(event uint8) (byte, bool) {
	if int(event) >= len(digits) {
		return 0, false
	}
	return digits[event], true
}

// DigitEvent is the inverse of EventDigit. Lower-case a-d are accepted.
func DigitEvent(d byte) (uint8, bool) {
	switch {
	case d >= '0' && d <= '9':
		return d - '0', true
	case d == '*':
		return 10, true
	case d == '#':
		return 11, true
	case d >= 'A' && d <= 'D':
		return 12 + d - 'A', true
	case d >= 'a' && d <= 'd':
		return 12 + d - 'a', true
	}
	return 0, false
}
