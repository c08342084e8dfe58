package consent

import "fmt"

// Method is how the caller's choice reached the gateway.
type Method string

// The methods of SPEC §5.
const (
	// MethodRFC4733 is a telephone-event in the RTP stream (RFC 4733 §2).
	MethodRFC4733 Method = "rfc4733"
	// MethodSIPInfo is a SIP INFO with an application/dtmf-relay or
	// application/dtmf body.
	MethodSIPInfo Method = "sip-info"
	// MethodInband is a DTMF tone detected in the audio itself.
	MethodInband Method = "inband"
	// MethodNone is used when no digit decided the call (timeout, hang-up).
	MethodNone Method = "none"
)

// Valid reports whether m is one of the SPEC §5 methods.
func (m Method) Valid() bool {
	switch m {
	case MethodRFC4733, MethodSIPInfo, MethodInband, MethodNone:
		return true
	}
	return false
}

// ParseMethod returns the method named s.
func ParseMethod(s string) (Method, error) {
	m := Method(s)
	if !m.Valid() {
		return "", fmt.Errorf("parsing method %q: %w", s, ErrUnknownMethod)
	}
	return m, nil
}
