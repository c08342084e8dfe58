package rights

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent/subject"
)

func TestDecodeAcceptsTheSpecPayloads(t *testing.T) {
	got, err := Decode(VerbExport, []byte(`{"request_id":"crm-42","subject":{"type":"tel","value":" +45 12 34 56 78 "},"requested_by":"privacy@example.com","expires":"24h"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Request{RequestID: "crm-42", Subject: subject.Subject{Type: subject.TypeTel, Value: "+45 12 34 56 78"}, RequestedBy: "privacy@example.com", Expires: 24 * time.Hour}
	if got != want {
		t.Fatalf("Decode = %+v, want %+v", got, want)
	}
	if _, err := Decode(VerbErase, []byte(`{"request_id":"a","subject":{"type":"customer","value":"C-1"}}`)); err != nil {
		t.Fatalf("requested_by is optional: %v", err)
	}
}

func TestDecodeRejectsBadInput(t *testing.T) {
	cases := []struct {
		name, verb, body, says string
	}{
		{"not JSON", "erase", `hello`, "not valid JSON"},
		{"empty", "erase", ``, "empty"},
		{"truncated", "erase", `{"request_id":"a"`, "not valid JSON"},
		{"array", "erase", `[1,2]`, "JSON object"},
		{"two objects", "erase", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"}} {}`, "single JSON object"},
		{"missing request_id", "erase", `{"subject":{"type":"tel","value":"+4512345678"}}`, "request_id is missing"},
		{"missing subject", "erase", `{"request_id":"a"}`, "subject is missing"},
		{"missing value", "erase", `{"request_id":"a","subject":{"type":"tel"}}`, "subject.value is missing"},
		{"number as id", "erase", `{"request_id":42,"subject":{"type":"tel","value":"+4512345678"}}`, "request_id must be a string"},
		{"subject as string", "erase", `{"request_id":"a","subject":"tel:+4512345678"}`, "subject must be a JSON object"},
		{"number as value", "erase", `{"request_id":"a","subject":{"type":"tel","value":4512345678}}`, "subject.value must be a string"},
		{"unknown type", "erase", `{"request_id":"a","subject":{"type":"+4512345678","value":"x"}}`, "subject.type is unknown"},
		{"empty value", "erase", `{"request_id":"a","subject":{"type":"tel","value":"  "}}`, "empty"},
		{"unknown field", "erase", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"+4512345678":1}`, "unknown field"},
		{"traversal id", "export", `{"request_id":"../x","subject":{"type":"tel","value":"+4512345678"}}`, "request_id must be"},
		{"slash in id", "export", `{"request_id":"a/b","subject":{"type":"tel","value":"+4512345678"}}`, "request_id must be"},
		{"expires on erase", "erase", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"expires":"1h"}`, "export requests only"},
		{"expires too long", "export", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"expires":"9999h"}`, "expires must be"},
		{"expires garbage", "export", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"expires":"+4512345678"}`, "expires must be"},
		{"control character", "erase", `{"request_id":"a","subject":{"type":"tel","value":"+45\u0000"}}`, "control"},
		{"two request_ids", "erase", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"request_id":"b"}`, "request_id twice"},
		{"two subjects", "erase", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"subject":{"type":"tel","value":"+4587654321"}}`, "subject twice"},
		{"two values", "erase", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678","value":"+4587654321"}}`, "value twice"},
		{"case-folded twin", "erase", `{"request_id":"a","Request_ID":"b","subject":{"type":"tel","value":"+4512345678"}}`, "request_id twice"},
		{"huge", "erase", `{"request_id":"` + strings.Repeat("a", maxRequestBytes) + `"}`, "bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(Verb(tc.verb), []byte(tc.body))
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("Decode = %v, want ErrRejected", err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
			if strings.Contains(err.Error(), "4512345678") {
				t.Errorf("error %q echoes the number", err)
			}
		})
	}
}

func TestUnknownVerbIsRejected(t *testing.T) {
	for _, v := range []string{"delete", "", "erase.now", "4512345678"} {
		if _, err := ParseVerb(v); !errors.Is(err, ErrRejected) || strings.Contains(err.Error(), "4512345678") {
			t.Errorf("ParseVerb(%q) = %v", v, err)
		}
	}
}

// FuzzDecode: whatever arrives, Decode returns a checked request or a rejection, and a
// rejection never carries the payload's digits.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"request_id":"crm-1","subject":{"type":"tel","value":"+4512345678"},"requested_by":"x"}`,
		`{"request_id":"crm-1","subject":{"type":"customer","value":"C-1"},"expires":"24h"}`,
		`{"request_id":1}`, `[]`, `null`, `{"subject":{}}`, `{"request_id":"a","subject":{"type":"agent","value":"\u00e9"}}`,
		"\x00", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"}}{`,
	} {
		f.Add("erase", []byte(s))
		f.Add("export", []byte(s))
	}
	f.Fuzz(func(t *testing.T, verb string, data []byte) {
		r, err := Decode(Verb(verb), data)
		if err != nil {
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("error %v is not a rejection", err)
			}
			if strings.Contains(err.Error(), "12345678") {
				t.Fatalf("rejection %q echoes the payload", err)
			}
			return
		}
		if checkID(r.RequestID) != nil {
			t.Fatalf("accepted request_id %q", r.RequestID)
		}
		if _, err := subject.ParseType(string(r.Subject.Type)); err != nil || r.Subject.Value == "" {
			t.Fatalf("accepted subject %+v", r.Subject)
		}
		if r.Expires != 0 && (verb != string(VerbExport) || r.Expires < minExpires || r.Expires > maxExpires) {
			t.Fatalf("accepted expires %v for %q", r.Expires, verb)
		}
	})
}
