package split

import (
	"context"
	"log/slog"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/ivr"
)

// setPrompt names in the receipt the prompt lang plays for the receipt's mode. A notice
// route without a notice prompt asks instead: the mode fails closed to opt-in.
func (s *Splitter) setPrompt(r *consent.Receipt, lang *Language) {
	p := lang.Consent
	switch {
	case r.Mode == consent.ModeNotice && lang.Notice != nil:
		p = lang.Notice
	case r.Mode == consent.ModeNotice:
		r.Mode = consent.ModeOptIn
	}
	r.Prompt = consent.PromptInfo{ID: p.ID, SHA256: p.SHA256, Language: p.Language}
}

// ask offers the route's language menu, if it has one, then plays the consent prompt
// (opt-in) or the announcement (notice) in the language chosen, and returns that
// language and the caller's decision.
func (s *Splitter) ask(ctx context.Context, log *slog.Logger, c ivr.Caller, route Route, lang *Language, r *consent.Receipt) (*Language, ivr.Outcome) {
	o := s.opts.IVR
	o.Log = log
	if len(route.Menu) > 1 && route.MenuPrompt != nil {
		o.Prompt = route.MenuPrompt
		choice, hungUp := ivr.Menu(ctx, c, o, len(route.Menu))
		if hungUp {
			return lang, ivr.Outcome{Decision: consent.DecisionHangup, Method: consent.MethodNone, DecidedAt: time.Now().UTC()}
		}
		if choice >= 0 {
			lang = s.language(Route{Language: route.Menu[choice]}, "")
			s.setPrompt(r, lang)
		}
		log.Info("language menu", "chosen", choice >= 0, "language", lang.Tag)
	}
	o.Prompt = lang.Consent
	if r.Mode == consent.ModeNotice {
		o.Prompt = lang.Notice
		return lang, ivr.Announce(ctx, c, o)
	}
	return lang, ivr.Collect(ctx, c, o)
}
