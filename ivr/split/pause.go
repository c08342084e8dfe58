package split

import (
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
)

// PauseEvent is the payload of recording.paused and recording.resumed.
type PauseEvent struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// Via is who paused (nats); Reason why the recording resumed: command or timeout
	// (the pause reached consent.pause_max). A withdrawal during a pause ends it with
	// consent.withdrawn, not recording.resumed.
	Via      string `json:"via,omitempty"`
	Reason   string `json:"reason,omitempty"`
	MaxMS    int64  `json:"max_ms,omitempty"`
	PausedMS int64  `json:"paused_ms,omitempty"`
}

// pause replaces the call's recorded audio with silence until resume or PauseMax (PCI
// DSS: card data read out or keyed in must not be recorded). The timeline goes on, so
// the gap shows where it was.
func (c *call) pause(via string) error {
	if c.paused {
		return nil
	}
	if !c.live.setPaused(true) {
		return consent.ErrNotRecorded
	}
	c.paused = true
	c.withdraw.reset()
	c.pausedAt = time.Now().UTC()
	c.pauseTimer = time.NewTimer(c.s.opts.PauseMax)
	c.pauseC = c.pauseTimer.C
	c.s.opts.Events.Emit(audit.KindRecordingPaused, PauseEvent{ID: c.receipt.ID, At: c.pausedAt, Via: via, MaxMS: c.s.opts.PauseMax.Milliseconds()})
	c.s.opts.Observer.CallControl("paused")
	c.log.Info("recording paused", "via", via, "pause_max", c.s.opts.PauseMax)
	return nil
}

// resume ends a pause; reason is command or timeout.
func (c *call) resume(reason string) {
	if !c.paused {
		return
	}
	c.live.setPaused(false)
	at, pausedMS := c.endPause()
	c.s.opts.Events.Emit(audit.KindRecordingResumed, PauseEvent{ID: c.receipt.ID, At: at, Reason: reason, PausedMS: pausedMS})
	action := "resumed"
	if reason == "timeout" {
		action = "auto_resumed"
	}
	c.s.opts.Observer.CallControl(action)
	c.log.Info("recording resumed", "reason", reason, "paused_ms", pausedMS)
}

// endPause forgets the pause state and returns when it ended and how long it lasted.
func (c *call) endPause() (time.Time, int64) {
	now := time.Now().UTC()
	c.paused = false
	c.live.paused.Store(false)
	if c.pauseTimer != nil {
		c.pauseTimer.Stop()
	}
	c.pauseTimer, c.pauseC = nil, nil
	return now, now.Sub(c.pausedAt).Milliseconds()
}
