package split

import (
	"context"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/ivr"
)

// withdrawConsent ends the recording of a call whose caller withdrew consent (GDPR
// Art. 7(3): as easy to withdraw as to give): the audio so far is discarded, the receipt
// becomes withdrawn, an event says so, and the caller hears a confirmation. via is how
// it was asked: rfc4733, sip-info or nats.
func (b *bridged) withdrawConsent(via string) error {
	if b.withdrawn {
		return nil
	}
	if !b.receipt.Decision.Records() {
		return ErrNotRecorded
	}
	if b.paused {
		b.endPause()
	}
	discarded, err := b.live.discard()
	if err != nil {
		b.log.Error("discarding the withdrawn recording failed", "error", err)
	}
	b.withdrawn = true
	r := b.receipt
	r.Decision = consent.DecisionWithdrawn
	r.WithdrawnAt = time.Now().UTC()
	r.WithdrawnVia = via
	r.Recording = nil
	// After an erase of the call's subject nothing of the call may be stored again.
	if b.live.wasErased() {
		b.log.Info("withdrawn receipt not stored: the subject was erased during the call")
	} else if err := b.s.opts.Archive.Withdrawn(*r); err != nil {
		b.log.Error("withdrawn receipt could not be spooled", "error", err)
	}
	b.s.opts.Events.Emit(audit.KindConsentWithdrawn, r.AuditView())
	b.s.opts.Observer.CallControl("withdrawn")
	b.log.Info("consent withdrawn during the call: recording stopped and discarded", "via", via, "discarded", discarded)
	b.playConfirmation()
	return nil
}

// playConfirmation plays the withdrawn prompt to the caller in place of the agent's
// audio (the agent still hears the caller), on its own goroutine so the call goes on.
func (b *bridged) playConfirmation() {
	if b.lang.Withdrawn == nil || b.stopConfirm != nil {
		return
	}
	p := b.lang.Withdrawn
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	bridge := b.live.bridge
	bridge.MuteAgent(true)
	player := ivr.NewPlayer(b.in.MediaLeg(), b.law, b.in.AudioPT())
	log := b.log
	go func() {
		defer close(done)
		defer bridge.MuteAgent(false)
		frame := make([]int16, ivr.FrameSamples)
		ticker := time.NewTicker(20 * time.Millisecond)
		defer ticker.Stop()
		sent := 0
		defer func() { log.Info("withdrawal confirmed to the caller", "prompt", p.ID, "played_ms", sent*20) }()
		for i := range p.FrameCount() {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			p.Frame(i, frame)
			if player.Send(frame) == nil {
				sent++
			}
		}
	}()
	b.stopConfirm = func() {
		cancel()
		<-done
	}
}
