package gateway

import (
	"errors"
	"fmt"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/callctl"
	"github.com/consentgw/consentgw/consent/policy"
	"github.com/consentgw/consentgw/ivr/prompt"
	"github.com/consentgw/consentgw/ivr/split"
)

// startCallControl serves consentgw.calls.<receipt-id>.{withdraw,pause,resume}.
func (g *Gateway) startCallControl() error {
	l, err := callctl.Listen(g.bus.Conn, g.splitter, g.log)
	if err != nil {
		return err
	}
	g.callctl = l
	return nil
}

// languages loads the prompts of every language: consent.language first (the default),
// with consent.prompt, then consent.prompts. A prompt file left empty is the built-in
// one of that kind and language, if there is one.
func languages(c config.Consent) ([]split.Language, error) {
	def, err := loadPrompt(c)
	if err != nil {
		return nil, err
	}
	langs := []split.Language{{Tag: c.Language, Consent: def}}
	for i, ps := range c.Prompts {
		path := fmt.Sprintf("consent.prompts[%d]", i)
		var l *split.Language
		if ps.Language == c.Language {
			l = &langs[0]
		} else {
			consentPrompt, err := promptOf(prompt.KindConsent, ps.Consent, ps.Language)
			if err != nil {
				return nil, fmt.Errorf("%s.consent: %w", path, err)
			}
			if consentPrompt == nil {
				return nil, fmt.Errorf("%s.consent: no built-in consent prompt in %q: name a WAV file", path, ps.Language)
			}
			langs = append(langs, split.Language{Tag: ps.Language, Consent: consentPrompt})
			l = &langs[len(langs)-1]
		}
		l.Countries = ps.Countries
		if l.Notice, err = promptOf(prompt.KindNotice, ps.Notice, ps.Language); err != nil {
			return nil, fmt.Errorf("%s.notice: %w", path, err)
		}
		if l.Withdrawn, err = promptOf(prompt.KindWithdrawn, ps.Withdrawn, ps.Language); err != nil {
			return nil, fmt.Errorf("%s.withdrawn: %w", path, err)
		}
	}
	for i := range langs {
		l := &langs[i]
		if l.Notice == nil {
			l.Notice, _ = promptOf(prompt.KindNotice, "", l.Tag)
		}
		if l.Withdrawn == nil {
			l.Withdrawn, _ = promptOf(prompt.KindWithdrawn, "", l.Tag)
		}
	}
	return langs, nil
}

// promptOf loads file, or the built-in prompt of kind when file is empty; nil, nil when
// there is no built-in one.
func promptOf(kind, file, language string) (*prompt.Prompt, error) {
	if file != "" {
		return prompt.Load(file, language)
	}
	p, err := prompt.BuiltinKind(kind, language)
	if errors.Is(err, prompt.ErrNoBuiltinPrompt) {
		return nil, nil
	}
	return p, err
}

// routePolicy turns a route's policy rules into the policy its calls are decided by.
func routePolicy(version string, r config.Route) policy.Policy {
	p := policy.Policy{Version: version}
	for i, rule := range r.Policy {
		name := rule.Name
		if name == "" {
			name = fmt.Sprintf("policy[%d]", i)
		}
		p.Rules = append(p.Rules, policy.Rule{Name: name, Countries: rule.Countries, Mode: consent.Mode(rule.Mode)})
	}
	return p
}
