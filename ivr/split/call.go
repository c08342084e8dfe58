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
	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/sip/b2bua"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/sip/relay"
	"github.com/consentgw/consentgw/storage/archive"
)

// ServeCall runs one call from its inbound leg to its end (b2bua.CallHandler).
func (s *Splitter) ServeCall(ctx context.Context, in *b2bua.Inbound) {
	started := time.Now().UTC()
	id := s.opts.IDs.New(started)
	log := in.Log().With("consent_id", id)

	route, ok := MatchRoute(s.opts.Routes, in.Request.Recipient.User)
	if !ok {
		in.Refuse(b2bua.Status(sip.StatusNotFound, "Not Found", errors.New("no route matches the called number")))
		return
	}
	log = log.With("route", route.Name)
	law, _ := g711.LawFromPayloadType(in.AudioPT())
	if l, ok := g711.LawFromName(in.Choice.Audio.Name); ok {
		law = l
	}
	choice := route.Policy.Choose(callerUser(in.Request), s.opts.Subjects.DefaultRegion)
	receipt := consent.Receipt{
		ID:        id,
		SIPCallID: in.CallID(),
		Route:     route.Name,
		StartedAt: started,
		Gateway:   s.opts.Node,
		Subjects:  s.opts.Subjects.Caller(in.Request),
		Mode:      choice.Mode,
		Policy:    choice.Info,
	}
	lang := s.language(route, choice.Info.Region)
	s.setPrompt(&receipt, lang)
	log = log.With("mode", receipt.Mode)

	if err := in.Answer(ctx); err != nil {
		log.Info("caller left before the call was answered", "error", err)
		s.decide(log, &receipt, ivr.Outcome{Decision: consent.DecisionHangup, Method: consent.MethodNone, DecidedAt: time.Now().UTC()})
		return
	}
	caller := ivr.Caller{
		Media:     in.MediaLeg(),
		Law:       law,
		AudioPT:   in.AudioPT(),
		EventPT:   in.EventPT(),
		Events:    in.Events(),
		Done:      in.Done(),
		Detectors: ivr.NewDetectors(),
	}
	var outcome ivr.Outcome
	lang, outcome = s.ask(ctx, log, caller, route, lang, &receipt)
	log = log.With("language", lang.Tag)

	target := route.Target(outcome.Decision)
	if outcome.Decision != consent.DecisionHangup {
		receipt.Subjects = append(receipt.Subjects, s.opts.Subjects.Agent(target)...)
	}
	s.decide(log, &receipt, outcome)
	if outcome.Decision == consent.DecisionHangup {
		s.hangup(log, in)
		return
	}

	out, err := s.dial(ctx, log, in, route, target, receipt)
	if errors.Is(err, b2bua.ErrDialAbandoned) {
		log.Info("caller hung up while the agent rang; agent leg cancelled")
		s.opts.Observer.CallerCancelled()
		return
	}
	if err != nil {
		code, reason := b2bua.StatusOf(err)
		log.Warn("target did not take the call; ending the caller leg", "status", code, "reason", reason, "error", err)
		s.opts.Observer.DialFailed(code)
		s.hangup(log, in)
		return
	}
	defer out.Close()
	if outcome.CallerDirection != "" {
		// The caller went on hold while the prompt played: the agent leg starts held too.
		s.passHold(log, "caller", b2bua.Event{Kind: b2bua.EventHold, Direction: outcome.CallerDirection}, out.Hold)
	}
	s.bridge(ctx, log, in, out, law, lang, receipt)
}

// decide records the outcome in the receipt and queues the receipt for storage.
func (s *Splitter) decide(log *slog.Logger, r *consent.Receipt, o ivr.Outcome) {
	r.DecidedAt = o.DecidedAt
	r.Decision = o.Decision
	r.Method = o.Method
	r.Digit = o.Digit
	r.Prompt.PlayedMS = o.PlayedMS
	s.opts.Observer.Decided(o.Decision, o.Method)
	// The decision is logged with its method and the subjects' pseudonyms, never a number.
	log.Info("consent decided", "decision", o.Decision, "method", o.Method, "prompt_played_ms", o.PlayedMS, "subjects", len(r.Subjects))
	if err := s.opts.Archive.Receipt(*r); err != nil {
		log.Error("consent receipt could not be spooled", "error", err)
	}
	s.opts.Events.Emit("consent.captured", *r)
}

// dial places the agent leg, cancelling it if the caller hangs up meanwhile.
func (s *Splitter) dial(ctx context.Context, log *slog.Logger, in *b2bua.Inbound, route Route, target sip.Uri, r consent.Receipt) (*b2bua.Outbound, error) {
	dialCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-in.Done():
			cancel()
		case <-dialCtx.Done():
		}
	}()
	verdict := "declined"
	switch r.Decision {
	case consent.DecisionGranted:
		verdict = "granted"
	case consent.DecisionNotified:
		verdict = "notice" // recorded on notice, without the caller's opt-in
	}
	return in.Dial(dialCtx, b2bua.DialRequest{
		Target: target,
		Headers: []sip.Header{
			sip.NewHeader("X-Recording-Consent", verdict),
			sip.NewHeader("X-Consent-ID", r.ID),
		},
		Timeout: route.AnswerTimeout,
		Log:     log,
	})
}

// bridge relays media until either side hangs up, recording when consent was granted.
func (s *Splitter) bridge(ctx context.Context, log *slog.Logger, in *b2bua.Inbound, out *b2bua.Outbound, law g711.Law, lang *Language, r consent.Receipt) {
	b := relay.New(
		relay.Leg{Endpoint: in.MediaLeg(), AudioPT: in.AudioPT(), EventPT: in.EventPT()},
		relay.Leg{Endpoint: out.MediaLeg(), AudioPT: out.AudioPT(), EventPT: out.EventPT()},
	)
	live := newLiveCall(r, b)
	// The call is reachable by an erase from before its recording starts until after
	// the recording is queued for the store (see liveCall.record and finish).
	s.live.Store(r.ID, live)
	defer s.live.Delete(r.ID)
	var rec *recorder.Recorder
	var recStarted time.Time
	if r.Decision.Records() {
		rec = live.record(func() *recorder.Recorder {
			var started *recorder.Recorder
			started, recStarted = s.startRecording(log, r, law)
			return started
		})
	}
	call := &bridged{s: s, log: log, in: in, out: out, live: live, law: law, lang: lang, receipt: &r, withdraw: sequence{want: s.opts.WithdrawDigits}}
	if s.opts.WithdrawDigits != "" && r.Decision.Records() {
		b.SetCallerEventTap(call.tapDigits())
		b.SetCallerAudioTap(call.tapInband())
	}
	b.Start()
	log.Info("call bridged", "recording", rec != nil)

	call.loop(ctx)

	b.Stop()
	log.Info("call ended", "relayed_packets", b.Forwarded.Load(), "dropped_packets", b.Dropped.Load())
	discarded := live.finish(func(rec *recorder.Recorder) {
		s.storeRecording(log, rec, r, law, recStarted)
	})
	if discarded {
		log.Info("no recording stored: discarded during the call")
		s.opts.Archive.RecordingDiscarded(r.ID)
	}
}

// storeRecording closes the call's WAV and queues it with its metadata for the store.
func (s *Splitter) storeRecording(log *slog.Logger, rec *recorder.Recorder, r consent.Receipt, law g711.Law, started time.Time) {
	res, err := rec.Stop()
	if err != nil {
		// The spool keeps what reached the disk; the next start repairs and stores it.
		log.Error("closing the recording failed", "error", err)
		return
	}
	s.opts.Observer.RecordingFinished(res.Frames, res.Dropped)
	err = s.opts.Archive.Recording(archive.Recording{
		Receipt:   r,
		SHA256:    res.SHA256,
		Frames:    res.Frames,
		StartedAt: started,
		EndedAt:   time.Now().UTC(),
		Codec:     law.String(),
	})
	if err != nil {
		log.Error("finished recording could not be queued; the next start stores it", "error", err)
	}
}

// startRecording opens the call's spool WAV and notes it in the archive, so a crash
// mid-call still ends with the recording stored. It returns nil when the call must go on
// unrecorded: the spool is full or the disk fails (consent stands, the receipt says so).
func (s *Splitter) startRecording(log *slog.Logger, r consent.Receipt, law g711.Law) (*recorder.Recorder, time.Time) {
	if s.opts.Archive.Full() {
		log.Error("spool full: call goes on unrecorded")
		return nil, time.Time{}
	}
	started := time.Now().UTC()
	if err := s.opts.Archive.RecordingStarted(archive.Recording{Receipt: r, StartedAt: started, Codec: law.String()}); err != nil {
		log.Error("recording could not start", "error", err)
		return nil, time.Time{}
	}
	rec, err := recorder.Start(recorder.Options{Path: s.opts.Archive.WAVPath(r.ID), Codec: law, Logger: log, Scheduler: s.opts.Recorders})
	if err != nil {
		log.Error("recording could not start", "error", err)
		s.opts.Archive.RecordingDiscarded(r.ID)
		return nil, time.Time{}
	}
	s.opts.Observer.RecordingStarted()
	return rec, started
}

func (s *Splitter) passHold(log *slog.Logger, from string, ev b2bua.Event, hold func(context.Context, string) error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.HangupTimeout)
	defer cancel()
	log.Info("media direction changed", "by", from, "direction", ev.Direction)
	if err := hold(ctx, ev.Direction); err != nil {
		log.Warn("passing hold to the other leg failed", "error", err)
	}
}

type hanger interface{ Hangup(context.Context) error }

func (s *Splitter) hangup(log *slog.Logger, leg hanger) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.HangupTimeout)
	defer cancel()
	if err := leg.Hangup(ctx); err != nil {
		log.Info("hangup", "error", fmt.Sprint(err))
	}
}
