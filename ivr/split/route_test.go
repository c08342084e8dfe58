package split

import (
	"regexp"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/consent"
)

func uri(t *testing.T, s string) sip.Uri {
	t.Helper()
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestFirstMatchingRouteWins(t *testing.T) {
	routes := []Route{
		{Name: "sales", Match: regexp.MustCompile(`^\+45(70|80)`)},
		{Name: "support", Match: regexp.MustCompile(`^\+45`)},
		{Name: "default", Match: regexp.MustCompile(`.*`)},
	}
	cases := map[string]string{
		"+4570112233": "sales",
		"+4533112233": "support",
		"+4912345":    "default",
		"":            "default",
	}
	for user, want := range cases {
		if r, ok := MatchRoute(routes, user); !ok || r.Name != want {
			t.Errorf("%q → %q (%v), want %q", user, r.Name, ok, want)
		}
	}
	if _, ok := MatchRoute(routes[:1], "+4933"); ok {
		t.Error("a number no route matches found a route")
	}
}

func TestOnlyGrantedConsentReachesTheRecordingTarget(t *testing.T) {
	r := Route{Record: uri(t, "sip:rec@127.0.0.1:5070"), NoRecord: uri(t, "sip:norec@127.0.0.1:5071")}
	for _, d := range []consent.Decision{consent.DecisionGranted, consent.DecisionDeclined, consent.DecisionTimeout} {
		want := "norec"
		if d == consent.DecisionGranted {
			want = "rec"
		}
		if got := r.Target(d).User; got != want {
			t.Errorf("%s → %s, want %s", d, got, want)
		}
	}
}
