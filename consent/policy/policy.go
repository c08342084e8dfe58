// Package policy picks a call's consent mode from where the caller is: the country of
// the caller's E.164 number (libphonenumber's region) looked up in the route's rules.
// Opt-in is the default and the only mode for EU/EEA numbers (GDPR Art. 6, 7); a number
// whose country cannot be told fails closed to opt-in.
package policy

import (
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/consentgw/consentgw/consent"
)

// Rule applies Mode to callers from Countries (ISO 3166 alpha-2, upper case).
type Rule struct {
	Name      string
	Countries []string
	Mode      consent.Mode
}

// Policy is a route's rules, first match wins, and the version of the rule set that
// receipts cite.
type Policy struct {
	Version string
	Rules   []Rule
}

// Choice is the mode for one call and why.
type Choice struct {
	Mode consent.Mode
	Info consent.PolicyInfo
}

// Choose returns the mode for a caller number (E.164, or national with defaultRegion).
// Unknown or unparsable numbers, and EU/EEA numbers whatever the rules say, get opt-in.
func (p Policy) Choose(number, defaultRegion string) Choice {
	region := Region(number, defaultRegion)
	c := Choice{Mode: consent.ModeOptIn, Info: consent.PolicyInfo{Version: p.Version, Region: region}}
	if region == "" {
		return c
	}
	for _, r := range p.Rules {
		if !slices.Contains(r.Countries, region) {
			continue
		}
		c.Info.Rule = r.Name
		if r.Mode == consent.ModeNotice && !IsEU(region) {
			c.Mode = consent.ModeNotice
		}
		return c
	}
	return c
}

// Region returns the ISO 3166 country of number, "" when it cannot be told. A valid
// number gets its region from its prefix; a number that is only possible (a range not
// allocated yet, or libphonenumber's data is older than the plan) gets the country of
// its country code when that code belongs to exactly one country: +45 is Denmark, but +1
// is shared by the NANP countries and so tells nothing.
func Region(number, defaultRegion string) string {
	number = strings.TrimSpace(number)
	if after, ok := strings.CutPrefix(strings.ToLower(number), "tel:"); ok {
		number = after
		if i := strings.IndexByte(number, ';'); i >= 0 {
			number = number[:i]
		}
	}
	if number == "" {
		return ""
	}
	n, err := phonenumbers.Parse(number, defaultRegion)
	if err != nil {
		return ""
	}
	var region string
	switch {
	case phonenumbers.IsValidNumber(n):
		region = phonenumbers.GetRegionCodeForNumber(n)
	case phonenumbers.IsPossibleNumber(n):
		if regions := phonenumbers.GetRegionCodesForCountryCode(int(n.GetCountryCode())); len(regions) == 1 {
			region = regions[0]
		}
	}
	if region == "" || region == "ZZ" || region == "001" {
		return "" // non-geographic numbers (satellite, UIFN): no jurisdiction to apply
	}
	return region
}
