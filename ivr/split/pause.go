package split

import (
	"time"

	"github.com/consentgw/consentgw/consent/audit"
)

// PauseEvent is the payload of recording.paused and recording.resumed.
type PauseEvent struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// Via is who paused (nats); Reason why the recording resumed: command, timeout
	// (the pause reached consent.pause_max) or withdrawn.
	Via      string `json:"via,omitempty"`
	Reason   string `json:"reason,omitempty"`
	MaxMS    int64  `json:"max_ms,omitempty"`
	PausedMS int64  `json:"paused_ms,omitempty"`
}

// pause replaces the call's recorded audio with silence until resume or PauseMax (PCI
// DSS: card data read out or keyed in must not be recorded). The timeline goes on, so
// the gap shows where it was.
func (b *bridged) pause(via string) error {
	if b.paused {
		return nil
	}
	if !b.live.setPaused(true) {
		return ErrNotRecorded
	}
	b.paused = true
	b.withdraw.reset()
	b.pausedAt = time.Now().UTC()
	b.pauseTimer = time.NewTimer(b.s.opts.PauseMax)
	b.pauseC = b.pauseTimer.C
	b.s.opts.Events.Emit(audit.KindRecordingPaused, PauseEvent{ID: b.receipt.ID, At: b.pausedAt, Via: via, MaxMS: b.s.opts.PauseMax.Milliseconds()})
	b.s.opts.Observer.CallControl("paused")
	b.log.Info("recording paused", "via", via, "pause_max", b.s.opts.PauseMax)
	return nil
}

// resume ends a pause; reason is command or timeout.
func (b *bridged) resume(reason string) {
	if !b.paused {
		return
	}
	b.live.setPaused(false)
	at, pausedMS := b.endPause()
	b.s.opts.Events.Emit(audit.KindRecordingResumed, PauseEvent{ID: b.receipt.ID, At: at, Reason: reason, PausedMS: pausedMS})
	action := "resumed"
	if reason == "timeout" {
		action = "auto_resumed"
	}
	b.s.opts.Observer.CallControl(action)
	b.log.Info("recording resumed", "reason", reason, "paused_ms", pausedMS)
}

// endPause forgets the pause state and returns when it ended and how long it lasted.
func (b *bridged) endPause() (time.Time, int64) {
	now := time.Now().UTC()
	b.paused = false
	b.live.paused.Store(false)
	if b.pauseTimer != nil {
		b.pauseTimer.Stop()
	}
	b.pauseTimer, b.pauseC = nil, nil
	return now, now.Sub(b.pausedAt).Milliseconds()
}
