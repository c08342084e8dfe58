package retention

import (
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestTheLongestMatchingRuleWins(t *testing.T) {
	rules := Rules{
		{Name: "storage.retention", Keep: 30 * day},
		{Name: "sales", Route: "sales", Keep: 365 * day},
		{Name: "us", Region: "US", Keep: 90 * day},
		{Name: "eu-sales", Route: "sales", Region: EU, Keep: 7 * day},
		{Name: "legal", Route: "legal", Keep: 0},
	}
	cases := []struct {
		route, region string
		want          string
	}{
		{"default", "DK", "storage.retention"},
		{"default", "US", "us"},
		{"sales", "DK", "sales"}, // eu-sales is shorter: the longest wins
		{"sales", "", "sales"},
		{"legal", "US", "legal"}, // forever beats any period
	}
	for _, c := range cases {
		r, ok := rules.Match(c.route, c.region)
		if !ok || r.Name != c.want {
			t.Errorf("Match(%s, %s) = %s, %v; want %s", c.route, c.region, r.Name, ok, c.want)
		}
	}
	if _, ok := (Rules{{Route: "sales", Keep: day}}).Match("default", "DK"); ok {
		t.Error("a call no rule names matched")
	}
	if rules.Shortest() != 7*day {
		t.Errorf("Shortest = %v", rules.Shortest())
	}
}

func TestABucketRuleOnlyWhereItCannotDeleteTooEarly(t *testing.T) {
	cases := []struct {
		name   string
		rules  Rules
		bucket time.Duration
		exact  bool
	}{
		{"storage.retention alone", Rules{{Keep: 30 * day}}, 30 * day, true},
		{"longer rule for a route", Rules{{Keep: 30 * day}, {Route: "sales", Keep: 365 * day}}, 365 * day, false},
		{"no catch-all", Rules{{Route: "sales", Keep: 30 * day}}, 0, false},
		{"a rule keeps forever", Rules{{Keep: 30 * day}, {Route: "legal"}}, 0, false},
		{"none", nil, 0, false},
	}
	for _, c := range cases {
		if got := c.rules.Bucket(); got != c.bucket || c.rules.Exact() != c.exact {
			t.Errorf("%s: Bucket = %v, Exact = %v; want %v, %v", c.name, got, c.rules.Exact(), c.bucket, c.exact)
		}
	}
}
