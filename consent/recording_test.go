package consent

import (
	"encoding/json"
	"strings"
	"testing"
)

// A receipt says what became of the recording when there was one to speak of, and
// nothing at all otherwise.
func TestRecordingStatusIsInTheReceiptOnlyWhenSet(t *testing.T) {
	r := declinedReceipt()
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), "recording_status") || strings.Contains(string(b), "recording_reason") {
		t.Fatalf("a declined receipt speaks of a recording: %s", b)
	}
	r.Decision, r.Digit = DecisionGranted, "1"
	r.RecordingStatus, r.RecordingReason = RecordingPartial, ReasonNoSpace
	b, _ = json.Marshal(r)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["recording_status"] != "partial" || m["recording_reason"] != "no_space" {
		t.Fatalf("receipt %s", b)
	}
	var back Receipt
	if err := json.Unmarshal(b, &back); err != nil || back.RecordingStatus != RecordingPartial || back.RecordingReason != ReasonNoSpace {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

func TestOnlyStoredPartialAndRepairedRecordingsHaveAudio(t *testing.T) {
	for _, s := range []RecordingStatus{RecordingPending, RecordingStored, RecordingPartial, RecordingRepaired,
		RecordingFailed, RecordingDiscarded, RecordingWithdrawn, RecordingNone} {
		want := s == RecordingStored || s == RecordingPartial || s == RecordingRepaired
		if !s.Valid() || s.HasAudio() != want {
			t.Errorf("%s: valid %v, has audio %v", s, s.Valid(), s.HasAudio())
		}
	}
	if RecordingStatus("lost").Valid() {
		t.Error("an unknown status is valid")
	}
}
