package split

import (
	"time"

	"github.com/consentgw/consentgw/ivr/dtmf"
	"github.com/consentgw/consentgw/sip/b2bua"
)

// tapDigits returns the bridge's tap on the caller's telephone-events: it turns them
// into key presses for the call's goroutine. It runs on the caller leg's reader
// goroutine only, so the detector needs no lock; while paused nothing is passed on (the
// keys may be a card number).
func (c *call) tapDigits() func(uint32, []byte) {
	var det dtmf.RFC4733Detector
	live := c.live
	return func(ts uint32, payload []byte) {
		d, ok, err := det.Push(ts, payload)
		if err != nil || !ok || live.paused.Load() {
			return
		}
		select {
		case live.digits <- dtmf.Digit{Digit: d, Method: dtmf.MethodRFC4733}:
		default:
		}
	}
}

// tapInband returns the bridge's tap on the caller's audio: DTMF tones in it become key
// presses, as tapDigits does for telephone-events. It runs on the caller leg's reader
// goroutine only, and costs a G.711 decode and the Goertzel filters per packet, so it is
// only installed on recorded calls with a withdraw sequence.
func (c *call) tapInband() func([]byte) {
	det := dtmf.NewInbandDetector()
	pcm := make([]int16, 1500)
	live, law := c.live, c.law
	return func(payload []byte) {
		if live.paused.Load() {
			return
		}
		n := law.Decode(pcm, payload)
		if d, ok := det.Process(pcm[:n]); ok {
			select {
			case live.digits <- dtmf.Digit{Digit: d, Method: dtmf.MethodInband}:
			default:
			}
		}
	}
}

func (c *call) infoDigit(ev b2bua.Event) {
	if c.paused || c.withdraw.want == "" {
		return // not parsed, not logged: during a pause the keys may be a card number
	}
	key, err := dtmf.ParseInfo(ev.ContentType, ev.Body)
	if err != nil {
		c.log.Debug("INFO without a usable DTMF digit", "error", err)
		return
	}
	c.digit(dtmf.Digit{Digit: key, Method: dtmf.MethodSIPInfo})
}

// digit feeds a caller key press to the withdraw sequence. Keys are never logged.
func (c *call) digit(d dtmf.Digit) {
	if c.paused {
		return
	}
	if !c.withdraw.push(d.Digit, time.Now()) {
		return
	}
	if err := c.withdrawConsent(string(d.Method)); err != nil {
		c.log.Info("caller keyed the withdraw sequence; nothing to withdraw", "reason", err.Error())
	}
}
