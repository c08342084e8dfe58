package config

import (
	"encoding/base64"
	"fmt"

	"github.com/consentgw/consentgw/storage/retention"
)

// maxRetentionRules bounds retention: each call is matched against every rule.
const maxRetentionRules = 256

func (v *validator) rights() {
	r := v.c.Rights
	switch r.EraseKeeps {
	case "nothing", "statistics":
	default:
		v.check("rights.erase_keeps", invalid("%q: want nothing or statistics", r.EraseKeeps))
	}
	if r.EraseMaxRecordings < 0 {
		v.check("rights.erase_max_recordings", invalid("%d must not be negative (0 = no limit)", r.EraseMaxRecordings))
	}
	if r.SigningKey != "" {
		if seed, err := base64.StdEncoding.DecodeString(r.SigningKey); err != nil || len(seed) != 32 {
			v.check("rights.signing_key", invalid("must be the base64 of 32 random bytes (openssl rand -base64 32), or empty to generate one"))
		}
	}
}

func (v *validator) retention() {
	rules := v.c.Retention
	if len(rules) > maxRetentionRules {
		v.check("retention", invalid("has %d rules, more than %d", len(rules), maxRetentionRules))
	}
	routes := map[string]bool{"": true, retention.Any: true}
	for _, r := range v.c.Routes {
		routes[r.Name] = true
	}
	seen := map[[2]string]int{}
	for i, r := range rules {
		p := indexPath("retention", i)
		// A rule written in the file must say keep: an omitted one would keep forever.
		_, inFile := v.c.origins[p]
		if _, set := v.c.origins[p+".keep"]; inFile && !set {
			v.check(p+".keep", invalid("must be set, e.g. 2160h (0 = keep until erased)"))
		}
		if r.Keep < 0 {
			v.check(p+".keep", invalid("%s must not be negative", r.Keep))
		}
		if !routes[r.Route] {
			v.check(p+".route", invalid("%q is not the name of a route (or * for all)", r.Route))
		}
		switch r.Region {
		case "", retention.Any, retention.EU:
		default:
			v.countries(p+".region", []string{r.Region})
		}
		k := [2]string{normalAny(r.Route), normalAny(r.Region)}
		if first, dup := seen[k]; dup {
			v.check(p, invalid("has the route and region of retention[%d]", first))
		}
		seen[k] = i
	}
}

func normalAny(s string) string {
	if s == retention.Any {
		return ""
	}
	return s
}

// RetentionRules are the rules in force: storage.retention for every call (when set),
// then the retention list.
func (c *Config) RetentionRules() retention.Rules {
	var rules retention.Rules
	if c.Storage.Retention > 0 {
		rules = append(rules, retention.Rule{Name: "storage.retention", Keep: c.Storage.Retention.Std()})
	}
	for i, r := range c.Retention {
		rules = append(rules, retention.Rule{Name: fmt.Sprintf("retention[%d]", i), Route: r.Route, Region: r.Region, Keep: r.Keep.Std()})
	}
	return rules
}
