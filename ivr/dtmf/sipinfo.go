package dtmf

import (
	"bytes"
	"fmt"
	"strings"
)

// The SIP INFO DTMF bodies in use. Neither is standardised by the IETF:
// application/dtmf-relay carries "Signal=5\r\nDuration=160\r\n" lines, and
// application/dtmf carries the bare key.
const (
	contentTypeDTMFRelay = "application/dtmf-relay"
	contentTypeDTMF      = "application/dtmf"
)

// ParseInfo returns the key carried by a SIP INFO body. contentType is the
// Content-Type header value; case and parameters are ignored (RFC 3261 §20.15,
// RFC 2045 §5.1).
//
// In application/dtmf-relay bodies, keys are case-insensitive, white space
// around keys and values is ignored, lines may end in CRLF or LF, and a Signal
// of 10-15 is read as the RFC 4733 event code (10 = '*', 11 = '#', 12-15 =
// A-D). Lower-case a-d are returned upper-case.
func ParseInfo(contentType string, body []byte) (byte, error) {
	mediaType, _, _ := strings.Cut(contentType, ";")
	mediaType = strings.TrimSpace(mediaType)
	switch {
	case strings.EqualFold(mediaType, contentTypeDTMFRelay):
		return parseDTMFRelay(body)
	case strings.EqualFold(mediaType, contentTypeDTMF):
		return parseSignal(bytes.TrimSpace(body))
	}
	return 0, fmt.Errorf("parse INFO body of type %q: %w", mediaType, ErrUnsupportedContentType)
}

func parseDTMFRelay(body []byte) (byte, error) {
	for len(body) > 0 {
		var line []byte
		line, body, _ = bytes.Cut(body, []byte{'\n'})
		key, value, found := bytes.Cut(line, []byte{'='})
		if found && bytes.EqualFold(bytes.TrimSpace(key), []byte("signal")) {
			return parseSignal(bytes.TrimSpace(value))
		}
	}
	return 0, fmt.Errorf("parse %s body: %w", contentTypeDTMFRelay, ErrNoDigit)
}

// parseSignal reads one key: a single character of 0-9 * # A-D, or an RFC 4733
// event code 10-15.
func parseSignal(s []byte) (byte, error) {
	switch len(s) {
	case 0:
		return 0, fmt.Errorf("parse DTMF signal: %w", ErrNoDigit)
	case 1:
		if ev, ok := DigitEvent(s[0]); ok {
			d, _ := EventDigit(ev)
			return d, nil
		}
	case 2:
		if s[0] == '1' && s[1] >= '0' && s[1] <= '5' {
			d, _ := EventDigit(10 + s[1] - '0')
			return d, nil
		}
	}
	return 0, fmt.Errorf("parse DTMF signal of %d bytes: %w", len(s), ErrInvalidDigit)
}
