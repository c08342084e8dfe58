package consent

import (
	"errors"
	"testing"
)

func TestOnlyGrantedOrNotifiedDecisionRecords(t *testing.T) {
	cases := []struct {
		d    Decision
		want bool
	}{
		{DecisionGranted, true},
		{DecisionDeclined, false},
		{DecisionTimeout, false},
		{DecisionHangup, false},
		{DecisionWithdrawn, false},
		{DecisionNotified, true},
		{"", false},
		{"GRANTED", false},
	}
	for _, c := range cases {
		if got := c.d.Records(); got != c.want {
			t.Errorf("Decision(%q).Records() = %v, want %v", c.d, got, c.want)
		}
	}
}

func TestParseDecisionAcceptsOnlySpecValues(t *testing.T) {
	for _, s := range []string{"granted", "declined", "timeout", "hangup", "withdrawn", "notified"} {
		if d, err := ParseDecision(s); err != nil || string(d) != s {
			t.Errorf("ParseDecision(%q) = %q, %v", s, d, err)
		}
	}
	for _, s := range []string{"", "yes", "Granted", "granted "} {
		if _, err := ParseDecision(s); !errors.Is(err, ErrUnknownDecision) {
			t.Errorf("ParseDecision(%q) error = %v, want ErrUnknownDecision", s, err)
		}
	}
}

func TestParseMethodAcceptsOnlySpecValues(t *testing.T) {
	for _, s := range []string{"rfc4733", "sip-info", "inband", "none"} {
		if m, err := ParseMethod(s); err != nil || string(m) != s {
			t.Errorf("ParseMethod(%q) = %q, %v", s, m, err)
		}
	}
	for _, s := range []string{"", "rfc2833", "info", "NONE"} {
		if _, err := ParseMethod(s); !errors.Is(err, ErrUnknownMethod) {
			t.Errorf("ParseMethod(%q) error = %v, want ErrUnknownMethod", s, err)
		}
	}
}
