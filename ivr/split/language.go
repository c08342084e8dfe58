package split

import (
	"slices"

	"github.com/consentgw/consentgw/ivr/prompt"
)

// LanguageAuto on a route picks the language by the caller's country.
const LanguageAuto = "auto"

// Language is the prompts of one language.
type Language struct {
	Tag string
	// Consent asks (opt-in), Notice announces (notice mode), Withdrawn confirms a
	// withdrawal. Notice and Withdrawn may be nil: the default language's are used.
	Consent, Notice, Withdrawn *prompt.Prompt
	// Countries are the callers' countries (ISO 3166) that hear this language on routes
	// whose language is auto.
	Countries []string
}

// language picks the language for a call on route from a caller in region: the route's
// language, or by the caller's country when the route says auto; the default language
// (the first) otherwise. Missing notice and withdrawn prompts come from the default.
// New makes sure there is a default language.
func (s *Splitter) language(route Route, region string) *Language {
	langs := s.opts.Languages
	pick := langs[0]
	switch {
	case route.Language == LanguageAuto:
		if i := slices.IndexFunc(langs, func(l Language) bool { return region != "" && slices.Contains(l.Countries, region) }); i >= 0 {
			pick = langs[i]
		}
	case route.Language != "":
		if i := slices.IndexFunc(langs, func(l Language) bool { return l.Tag == route.Language }); i >= 0 {
			pick = langs[i]
		}
	}
	if pick.Notice == nil {
		pick.Notice = langs[0].Notice
	}
	if pick.Withdrawn == nil {
		pick.Withdrawn = langs[0].Withdrawn
	}
	return &pick
}
