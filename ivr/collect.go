package ivr

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/ivr/dtmf"
	"github.com/consentgw/consentgw/ivr/prompt"
	"github.com/consentgw/consentgw/sip/b2bua"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/sip/media"
)

// frameDuration is the pacing of the prompt: one 20 ms frame per tick.
const frameDuration = 20 * time.Millisecond

// Caller is what the IVR needs of the caller's leg.
type Caller struct {
	Media   media.Leg
	Law     g711.Law
	AudioPT uint8
	EventPT uint8 // telephone-event payload type, 0 when not negotiated
	// Events carries the leg's INFO requests (SIP INFO DTMF).
	Events <-chan b2bua.Event
	// Done is closed when the caller hangs up.
	Done <-chan struct{}
	// Detectors carry DTMF state from one IVR step to the next; nil = fresh ones.
	Detectors *Detectors
}

// Options are the consent section of the configuration plus the prompt to play.
type Options struct {
	Prompt        *prompt.Prompt
	AcceptDigits  string
	DeclineDigits string
	// Timeout is the wait after each play of the prompt; Repeats the extra plays.
	Timeout time.Duration
	Repeats int
	Log     *slog.Logger
}

// Outcome is the caller's decision and how it was made, as the receipt records it.
type Outcome struct {
	Decision  consent.Decision
	Method    consent.Method
	Digit     string
	PlayedMS  int64
	DecidedAt time.Time
	// CallerDirection is the caller's media direction if the caller put the call on hold
	// during the prompt ("sendonly", "inactive"), "" otherwise: the agent leg must start
	// held too (SPEC §4: hold is passed to the other leg).
	CallerDirection string
}

// Collect plays the prompt to the caller and returns the caller's decision. A digit stops
// the prompt at once (barge-in). Digits that neither accept nor decline are ignored.
// After the last play and its timeout the decision is timeout: silence is never consent.
func Collect(ctx context.Context, c Caller, o Options) Outcome {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	digits := make(chan dtmf.Digit, 4)
	c.Media.SetHandler(newDigitListener(c.Law, c.AudioPT, c.EventPT, c.Detectors, digits))
	defer c.Media.SetHandler(nil)

	player := NewPlayer(c.Media, c.Law, c.AudioPT)
	frame := make([]int16, FrameSamples)
	ticker := time.NewTicker(frameDuration)
	defer ticker.Stop()

	var (
		held     string // caller's direction after a hold during the prompt
		played   int64  // prompt frames sent, over all plays
		next     int    // next frame of the current play
		plays    = 1
		playing  = true
		deadline time.Time
	)
	outcome := func(d consent.Decision, m consent.Method, digit string) Outcome {
		return Outcome{Decision: d, Method: m, Digit: digit, PlayedMS: played * frameDuration.Milliseconds(), DecidedAt: time.Now().UTC(), CallerDirection: held}
	}
	decide := func(d dtmf.Digit) (Outcome, bool) {
		key := string(d.Digit)
		switch {
		case strings.Contains(o.AcceptDigits, key):
			return outcome(consent.DecisionGranted, consent.Method(d.Method), key), true
		case strings.Contains(o.DeclineDigits, key):
			return outcome(consent.DecisionDeclined, consent.Method(d.Method), key), true
		}
		// Not logged by value: a caller may be keying in something private.
		log.Info("consent prompt ignored a digit that neither accepts nor declines", "method", d.Method)
		return Outcome{}, false
	}

	for {
		select {
		case <-ctx.Done():
			return outcome(consent.DecisionHangup, consent.MethodNone, "")
		case <-c.Done:
			return outcome(consent.DecisionHangup, consent.MethodNone, "")
		case d := <-digits:
			if out, ok := decide(d); ok {
				return out
			}
		case ev := <-c.Events:
			if ev.Kind == b2bua.EventHold {
				held = ev.Direction
				if held == "sendrecv" {
					held = ""
				}
				continue
			}
			if ev.Kind != b2bua.EventInfo {
				continue
			}
			key, err := dtmf.ParseInfo(ev.ContentType, ev.Body)
			if err != nil {
				log.Warn("INFO without a usable DTMF digit", "error", err)
				continue
			}
			if out, ok := decide(dtmf.Digit{Digit: key, Method: dtmf.MethodSIPInfo}); ok {
				return out
			}
		case now := <-ticker.C:
			if playing {
				o.Prompt.Frame(next, frame)
				if err := player.Send(frame); err != nil {
					log.Debug("prompt frame not sent", "error", err)
				}
				next++
				played++
				if next >= o.Prompt.FrameCount() {
					playing = false
					deadline = now.Add(o.Timeout)
				}
				continue
			}
			_ = player.SendSilence()
			if now.Before(deadline) {
				continue
			}
			if plays > o.Repeats {
				return outcome(consent.DecisionTimeout, consent.MethodNone, "")
			}
			plays++
			playing, next = true, 0
		}
	}
}
