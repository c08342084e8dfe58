package split

import (
	"context"
	"log/slog"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/ivr/dtmf"
	"github.com/consentgw/consentgw/sip/b2bua"
	"github.com/consentgw/consentgw/sip/g711"
)

// bridged is a call while its legs are bridged. The goroutine running loop owns every
// field; others reach it through liveCall's channels.
type bridged struct {
	s        *Splitter
	log      *slog.Logger
	in       *b2bua.Inbound
	out      *b2bua.Outbound
	live     *liveCall
	law      g711.Law
	lang     *Language
	receipt  *consent.Receipt // rewritten when consent is withdrawn
	withdraw sequence

	withdrawn   bool
	paused      bool
	pausedAt    time.Time
	pauseTimer  *time.Timer
	pauseC      <-chan time.Time // nil unless paused: auto-resume
	stopConfirm func()           // ends a confirmation prompt still playing
}

// loop waits for either leg to end (then hangs up the other) or for the gateway to stop,
// passes hold and resume across, and runs the caller's withdraw sequence and call-control
// commands.
func (b *bridged) loop(ctx context.Context) {
	defer b.cleanup()
	for {
		select {
		case <-b.in.Done():
			b.log.Info("caller hung up")
			b.s.hangup(b.log, b.out)
			return
		case <-b.out.Done():
			b.log.Info("agent hung up")
			b.s.hangup(b.log, b.in)
			return
		case <-ctx.Done():
			b.log.Info("gateway stopping: ending call")
			b.s.hangup(b.log, b.out)
			b.s.hangup(b.log, b.in)
			return
		case ev := <-b.in.Events():
			switch ev.Kind {
			case b2bua.EventHold:
				b.s.passHold(b.log, "caller", ev, b.out.Hold)
			case b2bua.EventInfo:
				b.infoDigit(ev)
			}
		case ev := <-b.out.Events():
			if ev.Kind == b2bua.EventHold {
				b.s.passHold(b.log, "agent", ev, b.in.Hold)
			}
		case d := <-b.live.digits:
			b.digit(d)
		case cmd := <-b.live.cmds:
			err := b.run(cmd)
			if cmd.reply != nil {
				cmd.reply <- err
			}
		case <-b.pauseC:
			b.log.Warn("pause reached its maximum: recording resumed", "pause_max", b.s.opts.PauseMax)
			b.resume("timeout")
		}
	}
}

func (b *bridged) cleanup() {
	close(b.live.ended)
	if b.pauseTimer != nil {
		b.pauseTimer.Stop()
	}
	if b.stopConfirm != nil {
		b.stopConfirm()
	}
}

func (b *bridged) run(cmd command) error {
	switch cmd.verb {
	case VerbWithdraw:
		return b.withdrawConsent(cmd.via)
	case VerbPause:
		return b.pause(cmd.via)
	case VerbResume:
		if !b.paused && !b.live.recording() {
			return ErrNotRecorded
		}
		b.resume("command")
		return nil
	}
	return ErrUnknownVerb
}

// tapDigits returns the bridge's tap on the caller's telephone-events: it turns them
// into key presses for the call's goroutine. It runs on the caller leg's reader
// goroutine only, so the detector needs no lock; while paused nothing is passed on (the
// keys may be a card number).
func (b *bridged) tapDigits() func(uint32, []byte) {
	var det dtmf.RFC4733Detector
	return func(ts uint32, payload []byte) {
		d, ok, err := det.Push(ts, payload)
		if err != nil || !ok || b.live.paused.Load() {
			return
		}
		select {
		case b.live.digits <- dtmf.Digit{Digit: d, Method: dtmf.MethodRFC4733}:
		default:
		}
	}
}

// tapInband returns the bridge's tap on the caller's audio: DTMF tones in it become key
// presses, as tapDigits does for telephone-events. It runs on the caller leg's reader
// goroutine only, and costs a G.711 decode and the Goertzel filters per packet, so it is
// only installed on recorded calls with a withdraw sequence.
func (b *bridged) tapInband() func([]byte) {
	det := dtmf.NewInbandDetector()
	pcm := make([]int16, 1500)
	return func(payload []byte) {
		if b.live.paused.Load() {
			return
		}
		n := b.law.Decode(pcm, payload)
		if d, ok := det.Process(pcm[:n]); ok {
			select {
			case b.live.digits <- dtmf.Digit{Digit: d, Method: dtmf.MethodInband}:
			default:
			}
		}
	}
}

func (b *bridged) infoDigit(ev b2bua.Event) {
	if b.paused || b.withdraw.want == "" {
		return // not parsed, not logged: during a pause the keys may be a card number
	}
	key, err := dtmf.ParseInfo(ev.ContentType, ev.Body)
	if err != nil {
		b.log.Debug("INFO without a usable DTMF digit", "error", err)
		return
	}
	b.digit(dtmf.Digit{Digit: key, Method: dtmf.MethodSIPInfo})
}

// digit feeds a caller key press to the withdraw sequence. Keys are never logged.
func (b *bridged) digit(d dtmf.Digit) {
	if b.paused {
		return
	}
	if !b.withdraw.push(d.Digit, time.Now()) {
		return
	}
	if err := b.withdrawConsent(string(d.Method)); err != nil {
		b.log.Info("caller keyed the withdraw sequence; nothing to withdraw", "reason", err.Error())
	}
}
