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
func (c *call) withdrawConsent(via string) error {
	if c.withdrawn {
		return nil
	}
	if !c.receipt.Decision.Records() {
		return consent.ErrNotRecorded
	}
	if c.paused {
		c.endPause()
	}
	discarded, err := c.live.discard("consent withdrawn")
	if err != nil {
		c.log.Error("discarding the withdrawn recording failed", "error", err)
	}
	c.withdrawn = true
	r := &c.receipt
	r.Decision = consent.DecisionWithdrawn
	r.WithdrawnAt = time.Now().UTC()
	r.WithdrawnVia = via
	r.Recording = nil
	r.RecordingStatus, r.RecordingReason = consent.RecordingWithdrawn, ""
	// After an erase of the call's subject nothing of the call may be stored again.
	if c.live.wasErased() {
		c.log.Info("withdrawn receipt not stored: the subject was erased during the call")
	} else if err := c.s.opts.Receipts.Withdrawn(*r); err != nil {
		c.log.Error("withdrawn receipt could not be spooled", "error", err)
	}
	c.s.opts.Events.Emit(audit.KindConsentWithdrawn, r.AuditView())
	c.s.opts.Observer.CallControl("withdrawn")
	c.log.Info("consent withdrawn during the call: recording stopped and discarded", "via", via, "discarded", discarded)
	c.playConfirmation()
	return nil
}

// playConfirmation plays the withdrawn prompt to the caller in place of the agent's
// audio (the agent still hears the caller), on its own goroutine so the call goes on.
func (c *call) playConfirmation() {
	if c.lang.Withdrawn == nil || c.stopConfirm != nil {
		return
	}
	p := c.lang.Withdrawn
	ctx, cancel := context.WithCancel(c.ctx)
	done := make(chan struct{})
	bridge := c.live.bridge
	bridge.MuteAgent(true)
	player := ivr.NewPlayer(c.in.MediaLeg(), c.law, c.in.AudioPT())
	log := c.log
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
	c.stopConfirm = func() {
		cancel()
		<-done
	}
}
