package split

import (
	"regexp"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/policy"
	"github.com/consentgw/consentgw/ivr/prompt"
)

// Route sends a caller, by the Request-URI user part, to a recording target when consent
// was granted and to a non-recording target otherwise.
type Route struct {
	Name     string
	Match    *regexp.Regexp
	Record   sip.Uri
	NoRecord sip.Uri
	// AnswerTimeout bounds the wait for the target to answer.
	AnswerTimeout time.Duration
	// Policy picks opt-in or notice by the caller's country.
	Policy policy.Policy
	// Language is the prompts' language: a tag, LanguageAuto (by the caller's
	// country), or "" for the default language.
	Language string
	// Menu, with two or more language tags, lets the caller choose the language first:
	// MenuPrompt says which key picks which (key 1 = Menu[0]). No key: Language applies.
	Menu       []string
	MenuPrompt *prompt.Prompt
}

// Target is where a call with decision d goes: only a granted consent reaches the
// recording target.
func (r Route) Target(d consent.Decision) sip.Uri {
	if d.Records() {
		return r.Record
	}
	return r.NoRecord
}

// MatchRoute returns the first route whose regexp matches user (SPEC §3: first match wins).
func MatchRoute(routes []Route, user string) (Route, bool) {
	for _, r := range routes {
		if r.Match.MatchString(user) {
			return r, true
		}
	}
	return Route{}, false
}
