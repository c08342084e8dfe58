package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func declinedReceipt() Receipt {
	cet := time.FixedZone("CET", 3600)
	return Receipt{
		ID:        "01JN0Z3Q8M5T7V9X1B3D5F7H9K",
		SIPCallID: "a84b4c76e66710@pc33.example.com",
		Route:     "default",
		StartedAt: time.Date(2025, 3, 1, 13, 0, 0, 120000000, cet),
		DecidedAt: time.Date(2025, 3, 1, 13, 0, 9, 5, cet),
		Decision:  DecisionDeclined,
		Method:    MethodRFC4733,
		Digit:     "2",
		Prompt: PromptInfo{
			ID:       "builtin-en",
			SHA256:   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			Language: "en",
			PlayedMS: 6240,
		},
		Subjects: []SubjectRef{{Type: "tel", Key: "3f2a"}},
		Gateway:  "gw-1",
		Mode:     ModeOptIn,
		Policy:   PolicyInfo{Version: "2025-03", Rule: "", Region: "DK"},
	}
}

// The receipt's JSON is a contract with auditors and the export bundle:
// field names and formats must only change together with SPEC §5.
func TestReceiptJSONMatchesSpec(t *testing.T) {
	got, err := json.MarshalIndent(declinedReceipt(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "receipt_declined.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("receipt JSON differs from %s:\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

func TestReceiptJSONHasExactlySpecFields(t *testing.T) {
	b, err := json.Marshal(Receipt{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"id", "sip_call_id", "route", "started_at", "decided_at", "decision",
		"method", "digit", "prompt", "subjects", "gateway", "recording", "mode", "policy"}
	if len(m) != len(want) {
		t.Errorf("receipt has %d fields, want %d: %s", len(m), len(want), b)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("receipt lacks field %q", k)
		}
	}
	if string(m["recording"]) != "null" {
		t.Errorf("recording = %s, want null when nothing was recorded", m["recording"])
	}
	if string(m["subjects"]) != "[]" {
		t.Errorf("subjects = %s, want []", m["subjects"])
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(m["prompt"], &p); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "sha256", "language", "played_ms"} {
		if _, ok := p[k]; !ok {
			t.Errorf("prompt lacks field %q", k)
		}
	}
}

func TestReceiptRoundTripsThroughJSON(t *testing.T) {
	r := declinedReceipt()
	r.Decision, r.Digit = DecisionGranted, "1"
	key := "recordings/2025/03/01/01JN0Z3Q8M5T7V9X1B3D5F7H9K.wav"
	r.Recording = &key
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Receipt
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.StartedAt.Equal(r.StartedAt) || !back.DecidedAt.Equal(r.DecidedAt) {
		t.Errorf("times changed: %v %v", back.StartedAt, back.DecidedAt)
	}
	if back.StartedAt.Location() != time.UTC {
		t.Errorf("decoded time in %v, want UTC", back.StartedAt.Location())
	}
	if back.Recording == nil || *back.Recording != key {
		t.Errorf("recording = %v, want %q", back.Recording, key)
	}
	if back.Decision != r.Decision || back.Digit != r.Digit || back.Prompt != r.Prompt {
		t.Errorf("round trip changed fields: %+v", back)
	}
}

func TestWithdrawnReceiptNamesWhenAndHow(t *testing.T) {
	r := declinedReceipt()
	r.Decision, r.Digit = DecisionWithdrawn, "1"
	r.WithdrawnAt = time.Date(2025, 3, 1, 13, 1, 0, 0, time.FixedZone("CET", 3600))
	r.WithdrawnVia = "rfc4733"
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["withdrawn_at"] != "2025-03-01T12:01:00Z" || m["withdrawn_via"] != "rfc4733" || m["decision"] != "withdrawn" {
		t.Fatalf("withdrawn receipt %s", b)
	}
	var back Receipt
	if err := json.Unmarshal(b, &back); err != nil || !back.WithdrawnAt.Equal(r.WithdrawnAt) {
		t.Fatalf("round trip: %v, %v", back.WithdrawnAt, err)
	}
}

func TestReceiptValidate(t *testing.T) {
	rec := "recordings/2025/03/01/x.wav"
	cases := []struct {
		name   string
		change func(*Receipt)
		ok     bool
	}{
		{"declined by digit", func(*Receipt) {}, true},
		{"granted by digit with recording", func(r *Receipt) { r.Decision, r.Digit, r.Recording = DecisionGranted, "1", &rec }, true},
		{"timeout without digit", func(r *Receipt) { r.Decision, r.Method, r.Digit = DecisionTimeout, MethodNone, "" }, true},
		{"granted by silence", func(r *Receipt) { r.Decision, r.Method, r.Digit = DecisionGranted, MethodNone, "" }, false},
		{"granted without digit", func(r *Receipt) { r.Decision, r.Digit = DecisionGranted, "" }, false},
		{"recording on declined call", func(r *Receipt) { r.Recording = &rec }, false},
		{"digit without method", func(r *Receipt) { r.Method = MethodNone }, false},
		{"unknown decision", func(r *Receipt) { r.Decision = "maybe" }, false},
		{"unknown method", func(r *Receipt) { r.Method = "smoke" }, false},
		{"missing id", func(r *Receipt) { r.ID = "" }, false},
		{"decided before started", func(r *Receipt) { r.DecidedAt = r.StartedAt.Add(-time.Second) }, false},
		{"missing times", func(r *Receipt) { r.StartedAt = time.Time{} }, false},
		{"notified on a notice route", func(r *Receipt) {
			r.Decision, r.Method, r.Digit, r.Mode, r.Recording = DecisionNotified, MethodNone, "", ModeNotice, &rec
		}, true},
		{"notified on an opt-in route", func(r *Receipt) { r.Decision, r.Method, r.Digit = DecisionNotified, MethodNone, "" }, false},
		{"unknown mode", func(r *Receipt) { r.Mode = "implied" }, false},
		{"withdrawn with its time", func(r *Receipt) {
			r.Decision, r.Digit, r.WithdrawnAt, r.WithdrawnVia = DecisionWithdrawn, "1", r.DecidedAt.Add(time.Minute), "nats"
		}, true},
		{"withdrawn without a time", func(r *Receipt) { r.Decision = DecisionWithdrawn }, false},
		{"granted, partial recording stored", func(r *Receipt) {
			r.Decision, r.Digit, r.Recording, r.RecordingStatus, r.RecordingReason = DecisionGranted, "1", &rec, RecordingPartial, ReasonNoSpace
		}, true},
		{"granted, failed without a recording", func(r *Receipt) {
			r.Decision, r.Digit, r.RecordingStatus, r.RecordingReason = DecisionGranted, "1", RecordingFailed, ReasonSpoolFull
		}, true},
		{"failed with a recording key", func(r *Receipt) {
			r.Decision, r.Digit, r.Recording, r.RecordingStatus = DecisionGranted, "1", &rec, RecordingFailed
		}, false},
		{"declined with a recording status", func(r *Receipt) { r.RecordingStatus = RecordingStored }, false},
		{"withdrawn with its status", func(r *Receipt) {
			r.Decision, r.Digit, r.WithdrawnAt, r.RecordingStatus = DecisionWithdrawn, "1", r.DecidedAt.Add(time.Minute), RecordingWithdrawn
		}, true},
		{"unknown recording status", func(r *Receipt) { r.Decision, r.Digit, r.RecordingStatus = DecisionGranted, "1", "lost" }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := declinedReceipt()
			c.change(&r)
			err := r.Validate()
			if c.ok && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if !c.ok && !errors.Is(err, ErrInvalidReceipt) {
				t.Fatalf("Validate() = %v, want ErrInvalidReceipt", err)
			}
		})
	}
}

// Events outlive erasure, and trunks put the caller's number in the Call-ID: the audit
// trail's copy of a receipt names the call by its key only.
func TestAuditViewLeavesOutTheCallIDAndKeepsItsKey(t *testing.T) {
	r := declinedReceipt()
	r.SIPCallIDKey = "7d1e"
	stored, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	event, err := json.Marshal(r.AuditView())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(stored, []byte(`"sip_call_id":"a84b4c76e66710@pc33.example.com"`)) || !bytes.Contains(stored, []byte(`"sip_call_id_key":"7d1e"`)) {
		t.Errorf("stored receipt lacks the Call-ID or its key: %s", stored)
	}
	if bytes.Contains(event, []byte("sip_call_id\"")) || bytes.Contains(event, []byte("a84b4c76e66710")) || !bytes.Contains(event, []byte(`"sip_call_id_key":"7d1e"`)) {
		t.Errorf("event copy %s: want sip_call_id_key without sip_call_id", event)
	}
	var back Receipt
	if err := json.Unmarshal(event, &back); err != nil || back.ID != r.ID || back.SIPCallIDKey != "7d1e" || back.SIPCallID != "" {
		t.Errorf("event copy read back as %+v, %v", back, err)
	}
}
