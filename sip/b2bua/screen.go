package b2bua

import (
	"bytes"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// MaxMessageBytes is the largest SIP message the gateway reads. RFC 3261 §18.1.1 sends
// anything near the path MTU over TCP, and an INVITE with SDP is a few KiB: a bigger one
// is an attack on the parser's memory, not a call.
const MaxMessageBytes = 16 << 10

// screen drops datagrams that cannot be a SIP message before sipgo parses them (the
// parser allocates for every header): oversized ones and ones without a SIP start line
// (RFC 3261 §7.1, §7.2). Stream transports are left to the parser's length limit, since
// a read there is a piece of a stream, not a message.
func (s *Server) screen(p sip.TransportReadProps, data []byte) ([]byte, error) {
	// sipgo names the transport in upper case ("UDP").
	if !strings.EqualFold(p.Transport, "udp") {
		return data, nil
	}
	if len(bytes.Trim(data, "\r\n")) == 0 {
		return data, nil // RFC 5626 §4.4.1 keep-alive: sipgo answers it
	}
	reason := ""
	switch {
	case len(data) > MaxMessageBytes:
		reason = RejectOversized
	case !looksLikeSIP(data):
		reason = RejectMalformed
	}
	if reason != "" {
		s.opts.Admission.rejected(reason)
		return nil, nil
	}
	return data, nil
}

var (
	sipVersion       = []byte("SIP/2.0")
	sipVersionSuffix = []byte(" SIP/2.0")
)

// looksLikeSIP checks the start line: "SIP/2.0 NNN …" for a response, "METHOD URI
// SIP/2.0" for a request, and that a header section follows.
func looksLikeSIP(data []byte) bool {
	line, rest, ok := bytes.Cut(data, []byte("\n"))
	if !ok || len(rest) == 0 {
		return false
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	if bytes.HasPrefix(line, sipVersion) {
		return len(line) >= len(sipVersion)+4 && line[len(sipVersion)] == ' '
	}
	method, rest2, ok := bytes.Cut(line, []byte(" "))
	if !ok || len(method) == 0 || !bytes.HasSuffix(rest2, sipVersionSuffix) {
		return false
	}
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
