package split

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/ivr"
	"github.com/consentgw/consentgw/recorder/spool"
	"github.com/consentgw/consentgw/sip/b2bua"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/sip/relay"
)

// call is one call from its INVITE to its end. The goroutine running ServeCall owns every
// field; others reach a bridged call through live (call control, caller digits, an erase).
type call struct {
	s   *Splitter
	ctx context.Context // ends when the caller's dialog ends (errCallerLeft) or the gateway stops
	log *slog.Logger
	in  *b2bua.Inbound
	out *b2bua.Outbound // the agent leg, once it answered

	route   Route
	law     g711.Law
	lang    *Language
	receipt consent.Receipt // rewritten when consent is withdrawn
	// keys are the parties' encryption keys, fetched in the background from the answer
	// on; nil when recordings are not sealed.
	keys *spool.CallKeys

	// While bridged (bridge.go).
	bridge   *relay.Bridge
	live     *liveCall
	outcome  spool.Outcome // what became of the recording, once finished
	withdraw sequence

	withdrawn   bool
	paused      bool
	pausedAt    time.Time
	pauseTimer  *time.Timer
	pauseC      <-chan time.Time // nil unless paused: auto-resume
	stopConfirm func()           // ends a confirmation prompt still playing
}

// ServeCall runs one call from its inbound leg to its end and returns why it ended. It is
// the one place a call's end is logged and counted, and where an INVITE that does not
// become a call is refused (through b2bua's refusal path: reply, log, count by status).
func (s *Splitter) ServeCall(ctx context.Context, in *b2bua.Inbound) End {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	//nolint:contextcheck // the caller's leg ending (its BYE or CANCEL) ends the call
	stop := context.AfterFunc(in.Context(), func() { cancel(errCallerLeft) })
	defer stop()

	started := time.Now().UTC()
	id := s.opts.IDs.New(started)
	c := &call{s: s, ctx: ctx, in: in, log: in.Log().With("consent_id", id)}
	c.receipt = consent.Receipt{ID: id, SIPCallID: in.CallID(), StartedAt: started, Gateway: s.opts.Node}
	// The key names the call in events; decide seals the raw Call-ID to the caller's key
	// (it stays in clear only with encryption off).
	c.receipt.SIPCallIDKey = in.CallIDKey()
	end := c.run()  //nolint:contextcheck // legs are hung up after the call's context ended (hangup keeps its values)
	s.ended(c, end) //nolint:contextcheck // a refusal is answered after the call's context ended
	return end
}

// ended logs and counts a call's end.
func (s *Splitter) ended(c *call, end End) {
	s.opts.Observer.CallEnded(string(end.Reason))
	switch end.Reason {
	case EndRefused:
		c.in.Refuse(end.Err) // logs and counts the refusal itself
		return
	case EndTargetFailed:
		s.opts.Observer.DialFailed(end.Status)
	case EndCallerLeftRinging:
		s.opts.Observer.CallerCancelled()
	}
	attrs := []any{"reason", end.Reason}
	if end.Status != 0 {
		attrs = append(attrs, "status", end.Status)
	}
	if end.Err != nil {
		attrs = append(attrs, "error", end.Err.Error())
	}
	if c.bridge != nil {
		attrs = append(attrs, "relayed_packets", c.bridge.Forwarded.Load(), "dropped_packets", c.bridge.Dropped.Load())
	}
	if st := c.outcome.Status; st != "" {
		attrs = append(attrs, "recording_status", st)
	} else if st := c.receipt.RecordingStatus; st != "" {
		attrs = append(attrs, "recording_status", st) // withdrawn, none
	}
	c.log.Log(context.Background(), end.level(), "call ended", attrs...)
}

// run takes the call through its phases; each returns early with the call's end.
func (c *call) run() End {
	if end, ok := c.takeRoute(); !ok {
		return end
	}
	// The caller's key is fetched while the prompt plays: the receipt seals the Call-ID
	// to it, and a recording encrypts the caller's channel to it.
	c.keys = c.s.opts.Recordings.Keys(c.ctx, c.receipt.ID, c.receipt.Subjects)
	if err := c.in.Answer(c.ctx); err != nil {
		c.decide(ivr.Outcome{Decision: consent.DecisionHangup, Method: consent.MethodNone, DecidedAt: time.Now().UTC()})
		end := c.left()
		end.Err = fmt.Errorf("answering: %w", err)
		return end
	}
	outcome := c.ask()
	target := c.route.Target(outcome.Decision)
	if outcome.Decision != consent.DecisionHangup {
		agent := c.s.opts.Subjects.Agent(target)
		c.receipt.Subjects = append(c.receipt.Subjects, agent...)
		if outcome.Decision.Records() {
			c.keys.Agent(c.ctx, agent) // fetched while the agent's phone rings
		}
	}
	c.decide(outcome)
	if outcome.Decision == consent.DecisionHangup {
		c.hangup(c.in)
		return c.left()
	}
	if end, ok := c.dial(target); !ok {
		c.notConnected()
		return end
	}
	defer c.out.Close()
	if outcome.CallerDirection != "" {
		// The caller went on hold while the prompt played: the agent leg starts held too.
		c.passHold("caller", b2bua.Event{Kind: b2bua.EventHold, Direction: outcome.CallerDirection}, c.out.Hold)
	}
	return c.bridged()
}

// left is the end of a call that stopped before it was bridged: the caller left, or
// the gateway is stopping (and ended it).
func (c *call) left() End {
	if c.ctx.Err() != nil && !errors.Is(context.Cause(c.ctx), errCallerLeft) {
		return End{Reason: EndShutdown}
	}
	return End{Reason: EndCallerLeft}
}

// takeRoute finds the call's route by the called number and fills the receipt as far
// as the route decides it: consent mode, policy, subjects, prompt.
func (c *call) takeRoute() (End, bool) {
	s, in := c.s, c.in
	route, ok := MatchRoute(s.opts.Routes, in.Request.Recipient.User)
	if !ok {
		return End{Reason: EndRefused, Status: sip.StatusNotFound,
			Err: b2bua.Status(sip.StatusNotFound, "Not Found", ErrNoRoute)}, false
	}
	c.route = route
	c.log = c.log.With("route", route.Name)
	c.law, _ = g711.LawFromPayloadType(in.AudioPT())
	if l, ok := g711.LawFromName(in.Choice.Audio.Name); ok {
		c.law = l
	}
	choice := route.Policy.Choose(callerUser(in.Request), s.opts.Subjects.DefaultRegion)
	r := &c.receipt
	r.Route, r.Mode, r.Policy = route.Name, choice.Mode, choice.Info
	r.Subjects = s.opts.Subjects.Caller(in.Request)
	c.lang = s.language(route, choice.Info.Region)
	s.setPrompt(r, c.lang)
	c.log = c.log.With("mode", r.Mode)
	return End{}, true
}

// notConnected rewrites the receipt of a consenting call whose agent leg never answered:
// nothing was recorded, and the receipt must not stay pending.
func (c *call) notConnected() {
	if !c.receipt.Decision.Records() {
		return
	}
	c.receipt.RecordingStatus, c.receipt.RecordingReason = consent.RecordingNone, consent.ReasonNotConnected
	c.spoolReceipt()
}

// spoolReceipt queues the call's receipt as it stands.
func (c *call) spoolReceipt() {
	if err := c.s.opts.Receipts.Receipt(c.receipt); err != nil {
		c.log.Error("consent receipt could not be spooled", "error", err)
	}
}
