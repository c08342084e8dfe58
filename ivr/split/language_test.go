package split

import (
	"testing"

	"github.com/consentgw/consentgw/ivr/prompt"
)

func TestLanguageByRouteAndCallerCountry(t *testing.T) {
	p := func(id string) *prompt.Prompt { return &prompt.Prompt{ID: id} }
	s := New(Options{Languages: []Language{
		{Tag: "en", Consent: p("en"), Notice: p("notice-en"), Withdrawn: p("withdrawn-en")},
		{Tag: "da", Consent: p("da"), Withdrawn: p("withdrawn-da"), Countries: []string{"DK", "GL"}},
		{Tag: "de", Consent: p("de"), Countries: []string{"DE", "AT"}},
	}})
	cases := []struct {
		route, region              string
		consent, notice, withdrawn string
	}{
		{"", "DK", "en", "notice-en", "withdrawn-en"},     // the default language
		{"da", "US", "da", "notice-en", "withdrawn-da"},   // the route's, whatever the caller
		{"auto", "GL", "da", "notice-en", "withdrawn-da"}, // by country
		{"auto", "AT", "de", "notice-en", "withdrawn-en"}, // missing prompts from the default
		{"auto", "", "en", "notice-en", "withdrawn-en"},   // unknown country: default
		{"auto", "FR", "en", "notice-en", "withdrawn-en"}, // no language for it: default
		{"sv", "SE", "en", "notice-en", "withdrawn-en"},   // unknown tag (config rejects it): default
	}
	for _, c := range cases {
		l := s.language(Route{Language: c.route}, c.region)
		if l.Consent.ID != c.consent || l.Notice.ID != c.notice || l.Withdrawn.ID != c.withdrawn {
			t.Errorf("route %q, caller in %q: %s/%s/%s, want %s/%s/%s", c.route, c.region,
				l.Consent.ID, l.Notice.ID, l.Withdrawn.ID, c.consent, c.notice, c.withdrawn)
		}
	}
	// The picked language is a copy: filling in defaults never changes the configured one.
	if s.opts.Languages[2].Notice != nil {
		t.Error("language() changed the configured languages")
	}
}
