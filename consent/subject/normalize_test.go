package subject

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		name    string
		in      Subject
		region  string
		want    string
		wantErr error
	}{
		{"e164", Subject{TypeTel, "+4512345678"}, "", "+4512345678", nil},
		{"spaced", Subject{TypeTel, " +45 12 34 56 78 "}, "", "+4512345678", nil},
		{"punctuated", Subject{TypeTel, "+45 (12) 34-56.78"}, "", "+4512345678", nil},
		{"00 prefix without region", Subject{TypeTel, "0045 12345678"}, "", "+4512345678", nil},
		{"00 prefix with region", Subject{TypeTel, "004512345678"}, "DK", "+4512345678", nil},
		{"00 prefix where IDD differs", Subject{TypeTel, "004512345678"}, "US", "+4512345678", nil},
		{"tel uri", Subject{TypeTel, "tel:+45-12-34-56-78"}, "", "+4512345678", nil},
		{"tel uri with params", Subject{TypeTel, "tel:+4512345678;ext=12"}, "", "+4512345678", nil},
		{"sip uri user part", Subject{TypeTel, "sip:+4512345678@trunk.example.com;transport=udp"}, "", "+4512345678", nil},
		{"sip uri user params", Subject{TypeTel, "SIP:+4512345678;user=phone@trunk.example.com"}, "", "+4512345678", nil},
		{"sips uri", Subject{TypeTel, "sips:+4512345678@trunk.example.com"}, "", "+4512345678", nil},
		{"national with region", Subject{TypeTel, "12 34 56 78"}, "DK", "+4512345678", nil},
		{"national with lowercase region", Subject{TypeTel, "12345678"}, "dk", "+4512345678", nil},
		{"national with trunk prefix", Subject{TypeTel, "030 1234567"}, "DE", "+49301234567", nil},
		{"us national", Subject{TypeTel, "(202) 555-0143"}, "US", "+12025550143", nil},
		{"national without region", Subject{TypeTel, "12345678"}, "", "", ErrInvalidTel},
		{"too short", Subject{TypeTel, "+45 123"}, "", "", ErrInvalidTel},
		{"too long", Subject{TypeTel, "+45 1234 5678 9012 3456"}, "", "", ErrInvalidTel},
		{"unknown country code", Subject{TypeTel, "+999 12345678"}, "", "", ErrInvalidTel},
		{"not a number", Subject{TypeTel, "anonymous"}, "DK", "", ErrInvalidTel},
		{"sip uri without number", Subject{TypeTel, "sip:anonymous@anonymous.invalid"}, "", "", ErrInvalidTel},
		{"empty tel", Subject{TypeTel, "  "}, "DK", "", ErrEmptyValue},
		{"customer trimmed", Subject{TypeCustomer, "  C-1001 \t"}, "", "C-1001", nil},
		{"customer case kept", Subject{TypeCustomer, "AbC"}, "", "AbC", nil},
		{"agent trimmed", Subject{TypeAgent, " Alice "}, "", "Alice", nil},
		{"empty agent", Subject{TypeAgent, ""}, "", "", ErrEmptyValue},
		{"unknown type", Subject{"email", "a@example.com"}, "", "", ErrUnknownType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Normalize(c.in, c.region)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("Normalize error = %v, want %v", err, c.wantErr)
			}
			if err != nil {
				return
			}
			if got.Value != c.want || got.Type != c.in.Type {
				t.Fatalf("Normalize = %+v, want value %q", got, c.want)
			}
		})
	}
}

func TestNormalizeErrorsNeverEchoTheNumber(t *testing.T) {
	for _, v := range []string{"+45 98765", "98765432", "sip:98765@x", "+999 98765432"} {
		_, err := Normalize(Subject{TypeTel, v}, "")
		if err == nil {
			t.Fatalf("Normalize(%q) succeeded", v)
		}
		if strings.Contains(err.Error(), "98765") {
			t.Errorf("error for %q holds the digits: %v", v, err)
		}
	}
}

func TestUnknownTypeIsNamedOnlyWhenItLooksLikeOne(t *testing.T) {
	_, err := Normalize(Subject{"email", "a@example.com"}, "")
	if err == nil || !strings.Contains(err.Error(), `"email"`) {
		t.Errorf("error %v does not name the type email", err)
	}
	// A number put in the type field by mistake stays out of logs and events.
	for _, typ := range []Type{"+4598765432", "98765432"} {
		if _, err := Normalize(Subject{typ, "x"}, ""); err == nil || strings.Contains(err.Error(), "98765") {
			t.Errorf("Normalize(type %q) error = %v", typ, err)
		}
		if _, err := ParseType(string(typ)); err == nil || strings.Contains(err.Error(), "98765") {
			t.Errorf("ParseType(%q) error = %v", typ, err)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"+4512345678", "0045 12 34 56 78", "tel:+45;x", "sip:+45@", "sip:@", "00", "+", "12345678", "C-1"} {
		f.Add("tel", s, "DK")
		f.Add("customer", s, "")
	}
	f.Fuzz(func(t *testing.T, typ, value, region string) {
		got, err := Normalize(Subject{Type(typ), value}, region)
		if err != nil {
			// A type name is shown (when it looks like one); the value never is.
			if len(value) >= 4 && !strings.Contains(typ, value) && strings.Contains(err.Error(), value) {
				t.Fatalf("error echoes the value: %v", err)
			}
			return
		}
		// Normalizing is idempotent: a stored key must be reproducible
		// from the normalized value alone.
		again, err := Normalize(got, region)
		if err != nil || again != got {
			t.Fatalf("Normalize(Normalize(%q)) = %+v, %v; want %+v", value, again, err, got)
		}
		if got.Type == TypeTel && !strings.HasPrefix(got.Value, "+") {
			t.Fatalf("tel value %q not E.164", got.Value)
		}
	})
}
