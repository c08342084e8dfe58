// Package retention expires call data by rules: by route and by the caller's region
// (retention: [{route, region, keep}], and storage.retention as a rule for every call),
// the longest of the matching rules winning. A bucket lifecycle rule does what a rule on
// key prefixes can express; the Sweeper does the rest, and skips what a legal hold
// covers (storage/s3 expires by lifecycle, the local directory by the sweeper alone).
package retention

import (
	"slices"
	"time"

	"github.com/consentgw/consentgw/consent/policy"
)

// Any matches every route or region in a Rule.
const Any = "*"

// EU as a rule's region matches the callers of every EU/EEA country.
const EU = "EU"

// Rule keeps the calls of Route from callers in Region for Keep; 0 keeps them until
// erased. Route and Region "" or Any match all.
type Rule struct {
	Name   string // how messages and reports name it, e.g. retention[2]
	Route  string
	Region string
	Keep   time.Duration
}

func (r Rule) matches(route, region string) bool {
	switch r.Route {
	case "", Any, route:
	default:
		return false
	}
	switch r.Region {
	case "", Any:
		return true
	case EU:
		return policy.IsEU(region)
	}
	return r.Region == region
}

func (r Rule) catchAll() bool {
	return (r.Route == "" || r.Route == Any) && (r.Region == "" || r.Region == Any)
}

// Rules are every rule in force.
type Rules []Rule

// Match returns the rule that decides how long a call on route from region is kept: of
// the rules that match, the one that keeps longest (forever beats any period). ok is
// false when none matches: the call is kept until erased.
func (rs Rules) Match(route, region string) (Rule, bool) {
	var best Rule
	found := false
	for _, r := range rs {
		if !r.matches(route, region) {
			continue
		}
		if !found || r.Keep == 0 || (best.Keep != 0 && r.Keep > best.Keep) {
			best, found = r, true
		}
	}
	return best, found
}

// Shortest is the shortest period any rule keeps calls for; 0 when every rule keeps
// them until erased.
func (rs Rules) Shortest() time.Duration {
	var d time.Duration
	for _, r := range rs {
		if r.Keep > 0 && (d == 0 || r.Keep < d) {
			d = r.Keep
		}
	}
	return d
}

// Bucket is what a bucket lifecycle rule on the call data's prefixes may say without
// deleting anything a rule keeps longer: the longest period, when every call matches a
// rule (there is a catch-all) and no rule keeps forever; else 0, no bucket rule.
func (rs Rules) Bucket() time.Duration {
	var longest time.Duration
	catchAll := false
	for _, r := range rs {
		if r.Keep == 0 {
			return 0
		}
		longest = max(longest, r.Keep)
		catchAll = catchAll || r.catchAll()
	}
	if !catchAll {
		return 0
	}
	return longest
}

// Exact reports whether the bucket rule alone applies the rules: every call is kept for
// the same period.
func (rs Rules) Exact() bool {
	b := rs.Bucket()
	return b > 0 && !slices.ContainsFunc(rs, func(r Rule) bool { return r.Keep != b })
}
