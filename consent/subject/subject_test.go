package subject

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestParseType(t *testing.T) {
	for _, s := range []string{"tel", "customer", "agent"} {
		if got, err := ParseType(s); err != nil || string(got) != s {
			t.Errorf("ParseType(%q) = %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "TEL", "email", "tel "} {
		if _, err := ParseType(s); !errors.Is(err, ErrUnknownType) {
			t.Errorf("ParseType(%q) error = %v, want ErrUnknownType", s, err)
		}
	}
}

func TestParseSplitsTypeAndValue(t *testing.T) {
	cases := []struct {
		in      string
		want    Subject
		wantErr error
	}{
		{"tel:+4512345678", Subject{TypeTel, "+4512345678"}, nil},
		{"customer:C:1001", Subject{TypeCustomer, "C:1001"}, nil},
		{"agent:alice", Subject{TypeAgent, "alice"}, nil},
		{"+4512345678", Subject{}, ErrUnknownType},
		{"phone:+4512345678", Subject{}, ErrUnknownType},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if !errors.Is(err, c.wantErr) || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", c.in, got, err, c.want, c.wantErr)
		}
	}
}

func TestLoggedSubjectHidesValue(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("erase", "subject", Subject{TypeTel, "+4512345678"})
	if strings.Contains(buf.String(), "12345678") {
		t.Fatalf("log line holds the number: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "tel") {
		t.Fatalf("log line lost the type: %s", buf.String())
	}
}
