package split

import (
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

// caller is what the IVR needs of the caller's leg.
func (c *call) caller() ivr.Caller {
	in := c.in
	return ivr.Caller{
		Media:     in.MediaLeg(),
		Law:       c.law,
		AudioPT:   in.AudioPT(),
		EventPT:   in.EventPT(),
		Events:    in.Events(),
		Done:      in.Done(),
		Detectors: ivr.NewDetectors(),
	}
}

// ask offers the route's language menu, if it has one, then plays the consent prompt
// (opt-in) or the announcement (notice) in the language chosen, and returns the caller's
// decision. The language chosen becomes the call's.
func (c *call) ask() ivr.Outcome {
	o := c.s.opts.IVR
	o.Log = c.log
	caller, route := c.caller(), c.route
	if len(route.Menu) > 1 && route.MenuPrompt != nil {
		o.Prompt = route.MenuPrompt
		choice, hungUp := ivr.Menu(c.ctx, caller, o, len(route.Menu))
		if hungUp {
			return ivr.Outcome{Decision: consent.DecisionHangup, Method: consent.MethodNone, DecidedAt: time.Now().UTC()}
		}
		if choice >= 0 {
			c.lang = c.s.language(Route{Language: route.Menu[choice]}, "")
			c.s.setPrompt(&c.receipt, c.lang)
		}
		c.log.Info("language menu", "chosen", choice >= 0, "language", c.lang.Tag)
	}
	defer func() { c.log = c.log.With("language", c.lang.Tag) }()
	o.Prompt = c.lang.Consent
	if c.receipt.Mode == consent.ModeNotice {
		o.Prompt = c.lang.Notice
		return ivr.Announce(c.ctx, caller, o)
	}
	return ivr.Collect(c.ctx, caller, o)
}
