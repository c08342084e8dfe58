package rights

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
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
		{"unknown scope", "erase", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"scope":"everything"}`, "scope is unknown"},
		{"call without scope", "erase", `{"request_id":"a","call":"01JN0Z3Q8M5T7V9X1B3D5F7H9K"}`, "scope call only"},
		{"call scope with subject", "erase", `{"request_id":"a","scope":"call","call":"01JN0Z3Q8M5T7V9X1B3D5F7H9K","subject":{"type":"tel","value":"+4512345678"}}`, "not a subject"},
		{"call scope without call", "erase", `{"request_id":"a","scope":"call"}`, "call is missing"},
		{"bad call", "erase", `{"request_id":"a","scope":"call","call":"+4512345678"}`, "call must be"},
		{"dry_run as string", "erase", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"dry_run":"yes"}`, "dry_run must be a boolean"},
		{"confirm on export", "export", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"confirm":true}`, "confirm applies to erase requests only"},
		{"hold without reason", "hold", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"}}`, "reason is missing"},
		{"hold on both", "hold", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"call":"01JN0Z3Q8M5T7V9X1B3D5F7H9K","reason":"x"}`, "either a subject or a call"},
		{"release of nothing", "release", `{"request_id":"a"}`, "names one of"},
		{"release bad hold", "release", `{"request_id":"a","hold":"../x"}`, "hold must be"},
		{"stats bad day", "stats", `{"request_id":"a","from":"+4512345678"}`, "from must be a day"},
		{"stats reversed", "stats", `{"request_id":"a","from":"2026-02-02","to":"2026-02-01"}`, "after"},
		{"stats too long", "stats", `{"request_id":"a","from":"2020-01-01","to":"2026-01-01"}`, "more than"},
		{"stats subject", "stats", `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"}}`, "subject applies to"},
		{"status bad state", "status", `{"request_id":"a","state":"+4512345678"}`, "state is unknown"},
		{"status limit", "status", `{"request_id":"a","limit":0}`, "limit must be"},
		{"reason with a number", "hold", `{"request_id":"a","call":"01JN0Z3Q8M5T7V9X1B3D5F7H9K","reason":"caller +45 12 34 56 78 complains"}`, "could be a phone number"},
		{"reason control", "hold", `{"request_id":"a","call":"01JN0Z3Q8M5T7V9X1B3D5F7H9K","reason":"a\u0007"}`, "reason must be"},
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

func TestDecodeTheToolkitsRequests(t *testing.T) {
	const call = "01JN0Z3Q8M5T7V9X1B3D5F7H9K"
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	tel := subject.Subject{Type: subject.TypeTel, Value: "+4512345678"}
	cases := []struct {
		verb Verb
		body string
		want Request
	}{
		{VerbErase, `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"scope":"recordings","dry_run":true}`,
			Request{RequestID: "a", Subject: tel, Scope: ScopeRecordings, DryRun: true}},
		{VerbErase, `{"request_id":"a","scope":"call","call":"recordings/2025/03/01/` + call + `.wav","confirm":true}`,
			Request{RequestID: "a", Scope: ScopeCall, Call: call, Confirm: true}},
		{VerbErase, `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"}}`, Request{RequestID: "a", Subject: tel, Scope: ScopeSubject}},
		{VerbLookup, `{"request_id":"a","subject":{"type":"tel","value":"+4512345678"}}`, Request{RequestID: "a", Subject: tel}},
		{VerbHold, `{"request_id":"h","call":"` + call + `","reason":" case 7 ","requested_by":"legal"}`,
			Request{RequestID: "h", Call: call, Reason: "case 7", RequestedBy: "legal"}},
		{VerbRelease, `{"request_id":"r","hold":"h"}`, Request{RequestID: "r", Hold: "h"}},
		{VerbHolds, `{"request_id":"l"}`, Request{RequestID: "l"}},
		{VerbStats, `{"request_id":"s","from":"2026-11-01","to":"2026-11-30","route":"sales"}`,
			Request{RequestID: "s", From: day("2026-11-01"), To: day("2026-11-30"), Route: "sales"}},
		{VerbStatus, `{"request_id":"q","of":"crm-1","state":"retrying"}`, Request{RequestID: "q", Of: "crm-1", State: StateRetrying, Limit: defaultLimit}},
	}
	for _, tc := range cases {
		got, err := Decode(tc.verb, []byte(tc.body))
		if err != nil || got != tc.want {
			t.Errorf("Decode(%s, %s) = %+v, %v\nwant %+v", tc.verb, tc.body, got, err, tc.want)
		}
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
		for _, v := range Verbs {
			f.Add(string(v), []byte(s))
		}
	}
	for _, s := range []string{
		`{"request_id":"a","scope":"call","call":"01JN0Z3Q8M5T7V9X1B3D5F7H9K","dry_run":true}`,
		`{"request_id":"a","subject":{"type":"tel","value":"+4512345678"},"scope":"recordings","confirm":false}`,
		`{"request_id":"h","call":"consent/2025/03/01/01JN0Z3Q8M5T7V9X1B3D5F7H9K.json","reason":"case"}`,
		`{"request_id":"r","hold":"h","reason":"settled"}`,
		`{"request_id":"s","from":"2026-11-01","to":"2026-11-30","route":"default"}`,
		`{"request_id":"q","of":"crm-1","state":"pending","limit":5}`,
		`{"request_id":"q","limit":1e9}`,
	} {
		for _, v := range Verbs {
			f.Add(string(v), []byte(s))
		}
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
		needsSubject := verb == string(VerbExport) || verb == string(VerbLookup) || (verb == string(VerbErase) && r.Scope != ScopeCall)
		if r.Subject != (subject.Subject{}) || needsSubject {
			if _, err := subject.ParseType(string(r.Subject.Type)); err != nil || r.Subject.Value == "" {
				t.Fatalf("accepted subject %+v for %q", r.Subject, verb)
			}
		}
		if r.Call != "" {
			if _, err := consent.IDTime(r.Call); err != nil {
				t.Fatalf("accepted call %q", r.Call)
			}
		}
		if r.Scope == ScopeCall && r.Call == "" {
			t.Fatal("accepted an erase of scope call without a call")
		}
		if verb == string(VerbHold) && r.Reason == "" {
			t.Fatal("accepted a hold without a reason")
		}
		if !r.From.IsZero() && !r.To.IsZero() && r.To.Before(r.From) {
			t.Fatalf("accepted stats from %v to %v", r.From, r.To)
		}
		if r.Expires != 0 && (verb != string(VerbExport) || r.Expires < minExpires || r.Expires > maxExpires) {
			t.Fatalf("accepted expires %v for %q", r.Expires, verb)
		}
	})
}
