package dtmf

import "fmt"

// lateWindow bounds how far behind the current event a timestamp may be and
// still count as a late packet of an earlier event rather than a sender that
// restarted its timestamps (new SSRC after a re-INVITE): 2^17 units is 16 s at
// the usual 8 kHz telephone-event clock, longer than any reordering.
const lateWindow = 1 << 17

// RFC4733Detector turns a stream of telephone-event payloads into key presses,
// each reported once.
//
// All packets of one event carry the event's start time as their RTP
// timestamp (RFC 4733 §2.5.1), the first ones may be lost, and the final
// packet is sent three times (§2.5.1.3), so presses are told apart by
// timestamp, not by packet. A digit is reported on the first packet seen of a
// new event so that barge-in is immediate.
//
// It sees only telephone-event payloads, so a telephone-event SSRC different
// from the audio's does not matter. The zero value is ready to use; it is not
// safe for concurrent use.
type RFC4733Detector struct {
	seen   bool   // ts and event describe the last event
	ts     uint32 // RTP timestamp of the last event (segment)
	event  uint8
	maxDur uint16 // longest duration seen in the last event
	ended  bool   // an end packet of the last event was seen
}

// Push feeds one telephone-event payload with its packet's RTP timestamp and
// returns the key when the packet starts a new DTMF event. Events that are not
// keys (flash, line tones) are tracked but never reported. A malformed payload
// returns an error and changes nothing.
func (d *RFC4733Detector) Push(rtpTimestamp uint32, payload []byte) (digit byte, ok bool, err error) {
	ev, err := ParseTelephoneEvent(payload)
	if err != nil {
		return 0, false, fmt.Errorf("push RFC 4733 packet: %w", err)
	}
	if d.seen && !d.startsNewEvent(rtpTimestamp, ev) {
		return 0, false, nil
	}
	d.seen, d.ts, d.event, d.maxDur, d.ended = true, rtpTimestamp, ev.Event, ev.Duration, ev.End
	digit, ok = EventDigit(ev.Event)
	return digit, ok, nil
}

// startsNewEvent decides whether a packet is a new press. It updates the
// current event's state when the packet belongs to it.
func (d *RFC4733Detector) startsNewEvent(ts uint32, ev TelephoneEvent) bool {
	// Serial-number arithmetic (as RFC 3550 uses for timestamps) makes
	// wrap-around from 0xFFFFFFFF to 0 just another step forward.
	delta := int32(ts - d.ts)
	switch {
	case delta == 0:
		if ev.Event != d.event {
			// A sender may reuse the timestamp for the next event once the
			// previous one has ended: a different event is a new press.
			return true
		}
	case delta < 0 && delta > -lateWindow:
		// A late or retransmitted packet of an earlier event.
		return false
	case delta > 0 && ev.Event == d.event && !d.ended && uint32(delta) <= uint32(d.maxDur):
		// A long-duration event whose duration would overflow 16 bits goes
		// on in a new segment with a later timestamp (RFC 4733 §2.5.1);
		// a segment that starts before the previous one ended is not a new press.
		d.ts = ts
		d.maxDur = 0
	default:
		return true
	}
	d.maxDur = max(d.maxDur, ev.Duration)
	d.ended = d.ended || ev.End
	return false
}

// Reset forgets the last event, as when the telephone-event stream restarts.
func (d *RFC4733Detector) Reset() {
	*d = RFC4733Detector{}
}
