package dtmf

import (
	"encoding/binary"
	"fmt"
)

// telephoneEventLen is the size of one event block (RFC 4733 §2.3).
const telephoneEventLen = 4

// TelephoneEvent is one RFC 4733 §2.3 telephone-event payload.
type TelephoneEvent struct {
	// Event is the event code (§3.2: 0-15 are the DTMF keys).
	Event uint8
	// End is the E bit: this packet ends the event (§2.3.2).
	End bool
	// Volume is the power level in -dBm0, 0-63 (§2.3.4).
	Volume uint8
	// Duration is in RTP timestamp units since the event's timestamp (§2.3.5).
	Duration uint16
}

// ParseTelephoneEvent parses the first 4 bytes of an RTP telephone-event
// payload. Bytes after them are ignored: senders that pack several events into
// one packet do so through RFC 2198 redundancy, whose header the RTP layer
// strips, and a plain payload is exactly 4 bytes. The R bit is reserved
// (§2.3.3) and ignored.
func ParseTelephoneEvent(payload []byte) (TelephoneEvent, error) {
	if len(payload) < telephoneEventLen {
		return TelephoneEvent{}, fmt.Errorf("parse telephone-event of %d bytes: %w", len(payload), ErrShortPayload)
	}
	return TelephoneEvent{
		Event:    payload[0],
		End:      payload[1]&0x80 != 0,
		Volume:   payload[1] & 0x3F,
		Duration: binary.BigEndian.Uint16(payload[2:4]),
	}, nil
}
