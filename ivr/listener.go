package ivr

import (
	"github.com/pion/rtp"

	"github.com/consentgw/consentgw/ivr/dtmf"
	"github.com/consentgw/consentgw/sip/g711"
)

// digitListener finds key presses in the caller's RTP: telephone-events (RFC 4733) on the
// event payload type and DTMF tones in the audio itself. It runs in the leg's reader
// goroutine, so it never blocks: a digit that finds the channel full is dropped, the first
// one already decides the call.
type digitListener struct {
	law     g711.Law
	audioPT uint8
	eventPT uint8 // 0: none negotiated
	*Detectors
	pcm    []int16
	digits chan<- dtmf.Digit
}

// Detectors keep the DTMF detectors' state across the IVR steps of one call (a language
// menu, then the consent prompt), so the rest of a key pressed in one step is not taken
// for a new press in the next: RFC 4733 sends a key's end packet three times (§2.5.1.3)
// and an in-band tone goes on after it was recognised. Only one step uses them at a time.
type Detectors struct {
	events dtmf.RFC4733Detector
	inband *dtmf.InbandDetector
}

// NewDetectors returns detectors for a new call.
func NewDetectors() *Detectors { return &Detectors{inband: dtmf.NewInbandDetector()} }

func newDigitListener(law g711.Law, audioPT, eventPT uint8, det *Detectors, digits chan<- dtmf.Digit) *digitListener {
	if det == nil {
		det = NewDetectors()
	}
	return &digitListener{
		law:       law,
		audioPT:   audioPT,
		eventPT:   eventPT,
		Detectors: det,
		pcm:       make([]int16, 1500),
		digits:    digits,
	}
}

func (l *digitListener) HandleRTP(_ []byte, h *rtp.Header, payload []byte) {
	switch {
	case l.eventPT != 0 && h.PayloadType == l.eventPT:
		if d, ok, err := l.events.Push(h.Timestamp, payload); err == nil && ok {
			l.found(dtmf.Digit{Digit: d, Method: dtmf.MethodRFC4733})
		}
	case h.PayloadType == l.audioPT:
		n := l.law.Decode(l.pcm, payload)
		if d, ok := l.inband.Process(l.pcm[:n]); ok {
			l.found(dtmf.Digit{Digit: d, Method: dtmf.MethodInband})
		}
	}
}

func (l *digitListener) found(d dtmf.Digit) {
	select {
	case l.digits <- d:
	default:
	}
}
