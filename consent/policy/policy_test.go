package policy

import (
	"testing"

	"github.com/consentgw/consentgw/consent"
)

func TestModeByCallerCountry(t *testing.T) {
	p := Policy{Version: "2025-01", Rules: []Rule{
		{Name: "north-america", Countries: []string{"US", "CA"}, Mode: consent.ModeNotice},
		{Name: "uk", Countries: []string{"GB"}, Mode: consent.ModeOptIn},
		// Validation rejects this; the policy still never applies notice to an EU number.
		{Name: "wrong", Countries: []string{"DE"}, Mode: consent.ModeNotice},
	}}
	cases := []struct {
		name, number, defaultRegion string
		mode                        consent.Mode
		rule, region                string
	}{
		{"US number on a notice rule", "+12025550123", "", consent.ModeNotice, "north-america", "US"},
		{"Canadian number", "+16135550123", "", consent.ModeNotice, "north-america", "CA"},
		{"tel URI", "tel:+1-202-555-0123;phone-context=x", "", consent.ModeNotice, "north-america", "US"},
		{"UK number on an opt-in rule", "+442079460000", "", consent.ModeOptIn, "uk", "GB"},
		{"Danish number, no rule", "+4533123456", "", consent.ModeOptIn, "", "DK"},
		{"national number with default region", "2025550123", "US", consent.ModeNotice, "north-america", "US"},
		{"EU number never gets notice", "+4930123456", "", consent.ModeOptIn, "wrong", "DE"},
		{"unknown number fails closed", "anonymous", "", consent.ModeOptIn, "", ""},
		{"invalid number fails closed", "+999123", "", consent.ModeOptIn, "", ""},
		{"unallocated Danish range: +45 is only Denmark", "+4512345678", "", consent.ModeOptIn, "", "DK"},
		{"unallocated NANP range: +1 is many countries", "+11235550123", "", consent.ModeOptIn, "", ""},
		{"empty number fails closed", "", "US", consent.ModeOptIn, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := p.Choose(c.number, c.defaultRegion)
			if got.Mode != c.mode || got.Info.Rule != c.rule || got.Info.Region != c.region || got.Info.Version != "2025-01" {
				t.Fatalf("Choose(%q) = %+v, want %s by %q in %q", c.number, got, c.mode, c.rule, c.region)
			}
		})
	}
}

func TestNoRulesMeansOptIn(t *testing.T) {
	if got := (Policy{}).Choose("+12025550123", ""); got.Mode != consent.ModeOptIn {
		t.Fatalf("mode %s", got.Mode)
	}
}

func TestEUListHoldsMemberStatesAndEEA(t *testing.T) {
	for _, r := range []string{"DK", "DE", "FR", "NO", "IS", "LI", "RE"} {
		if !IsEU(r) {
			t.Errorf("%s not EU/EEA", r)
		}
	}
	for _, r := range []string{"US", "GB", "CH", "", "dk"} {
		if IsEU(r) {
			t.Errorf("%s taken for EU/EEA", r)
		}
	}
}

func FuzzRegion(f *testing.F) {
	for _, s := range []string{"+4533123456", "tel:+1-202;x", "", "+", "00", "tel:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = Region(s, "DK")
	})
}
