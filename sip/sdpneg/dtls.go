package sdpneg

import "strings"

// UsesDTLS tells a browser's offer from a trunk's: WebRTC media is offered with the
// UDP/TLS/RTP/SAVP(F) protocol, keyed by DTLS-SRTP (RFC 5764 §8, RFC 8829 §5.1.2).
func (d *Description) UsesDTLS() bool {
	return d != nil && strings.HasPrefix(strings.ToUpper(d.Proto), "UDP/TLS/RTP/SAVP")
}
