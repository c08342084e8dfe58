package split

import (
	"context"
	"errors"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/recorder/spool"
	"github.com/consentgw/consentgw/sip/b2bua"
	"github.com/consentgw/consentgw/sip/relay"
)

// bridged relays media between the legs until either side hangs up, recording them when
// the decision records, and returns the call's end. From before its recording starts
// until the recording is queued for the store, the call is reachable by call control and
// by an erase (live.go).
func (c *call) bridged() End {
	in, out := c.in, c.out
	c.bridge = relay.New(
		relay.Leg{Endpoint: in.MediaLeg(), AudioPT: in.AudioPT(), EventPT: in.EventPT()},
		relay.Leg{Endpoint: out.MediaLeg(), AudioPT: out.AudioPT(), EventPT: out.EventPT()},
	)
	c.live = newLiveCall(c.receipt, c.bridge)
	c.s.live.Store(c.receipt.ID, c.live)
	defer c.s.live.Delete(c.receipt.ID)
	c.s.opts.Holdings.Hold(c.receipt.ID, c.live.subjects)
	defer c.s.opts.Holdings.Release(c.receipt.ID)
	records := c.receipt.Decision.Records()
	if records {
		c.keys.Await() // before liveCall's lock, which an erase takes too
		c.live.record(func() *spool.Recording { return c.s.opts.Recordings.Begin(c.receipt, c.law, c.keys, c.log) })
	}
	c.withdraw = sequence{want: c.s.opts.WithdrawDigits}
	if c.withdraw.want != "" && records {
		c.bridge.SetCallerEventTap(c.tapDigits())
		c.bridge.SetCallerAudioTap(c.tapInband())
	}
	c.bridge.Start()
	c.log.Info("call bridged", "recording", c.live.recording())

	end := c.loop()

	c.bridge.Stop()
	if records {
		c.finishRecording()
	}
	return end
}

// loop waits for either leg to end (then hangs up the other) or for the gateway to stop,
// passes hold and resume across, and runs the caller's withdraw sequence and call-control
// commands.
func (c *call) loop() End {
	defer c.cleanup()
	for {
		select {
		case <-c.ctx.Done():
			c.hangup(c.out)
			if errors.Is(context.Cause(c.ctx), errCallerLeft) {
				return End{Reason: EndCallerHungUp}
			}
			c.hangup(c.in)
			return End{Reason: EndShutdown}
		case <-c.out.Done():
			c.hangup(c.in)
			return End{Reason: EndAgentHungUp}
		case ev := <-c.in.Events():
			switch ev.Kind {
			case b2bua.EventHold:
				c.passHold("caller", ev, c.out.Hold)
			case b2bua.EventInfo:
				c.infoDigit(ev)
			}
		case ev := <-c.out.Events():
			if ev.Kind == b2bua.EventHold {
				c.passHold("agent", ev, c.in.Hold)
			}
		case d := <-c.live.digits:
			c.digit(d)
		case cmd := <-c.live.cmds:
			err := c.control(cmd)
			if cmd.reply != nil {
				cmd.reply <- err
			}
		case <-c.pauseC:
			c.log.Warn("pause reached its maximum: recording resumed", "pause_max", c.s.opts.PauseMax)
			c.resume("timeout")
		}
	}
}

func (c *call) cleanup() {
	close(c.live.ended)
	if c.pauseTimer != nil {
		c.pauseTimer.Stop()
	}
	if c.stopConfirm != nil {
		c.stopConfirm()
	}
}

// control carries out a call-control command.
func (c *call) control(cmd command) error {
	switch cmd.verb {
	case consent.VerbWithdraw:
		return c.withdrawConsent(cmd.via)
	case consent.VerbPause:
		return c.pause(cmd.via)
	case consent.VerbResume:
		if !c.paused && !c.live.recording() {
			return consent.ErrNotRecorded
		}
		c.resume("command")
		return nil
	}
	return consent.ErrUnknownVerb
}

// finishRecording ends the call's recording and queues it, with the receipt that says
// what became of it, unless it was discarded (withdrawn, or a subject erased).
func (c *call) finishRecording() {
	discarded := c.live.finish(func(rec *spool.Recording) { c.outcome = rec.Finish() })
	if discarded {
		c.log.Info("no recording stored: discarded during the call")
	}
}
