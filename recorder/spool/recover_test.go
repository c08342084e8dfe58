package spool

import (
	"os"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/recorder/wavfile"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/archive"
)

// A gateway killed during a call leaves the recording's note and its WAV; the next start
// cuts the WAV to its whole frames, fixes its header and stores it, and the receipt (not
// only the metadata) says repaired, interrupted.
func TestInterruptedRecordingIsRepairedAndStoredAtNextStart(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	first := newRig(t, dir, 0, clk)
	r := grantedReceipt("01JTESTINTERRUPTED000000000")
	if err := first.archive.RecordingStarted(archive.Recording{Receipt: r, StartedAt: r.DecidedAt, Codec: "PCMA"}); err != nil {
		t.Fatal(err)
	}
	// The process dies mid-call: a header that says nothing, 8000 frames and half a frame.
	w, err := wavfile.Create(first.archive.WAVPath(r.ID))
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	f, err := os.OpenFile(first.archive.WAVPath(r.ID), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 8000*wavfile.FrameBytes+2))
	f.Close()

	second := newRig(t, dir, 0, clk)
	second.waitStored(t, "recording")
	var meta archive.Metadata
	second.readJSON(t, storage.RecordingMetaKey(r.StartedAt, r.ID), &meta)
	if !meta.Repaired || meta.RecordingStatus != consent.RecordingRepaired || meta.DurationMS != 1000 || meta.SHA256 == "" || meta.Size != wavfile.HeaderSize+8000*wavfile.FrameBytes {
		t.Fatalf("metadata %+v", meta)
	}
	var stored consent.Receipt
	second.readJSON(t, storage.ReceiptKey(r.StartedAt, r.ID), &stored)
	if stored.RecordingStatus != consent.RecordingRepaired || stored.RecordingReason != consent.ReasonInterrupted || stored.Recording == nil {
		t.Fatalf("stored receipt says %s/%s, recording %v", stored.RecordingStatus, stored.RecordingReason, stored.Recording)
	}
	if got := spoolFiles(t, dir); len(got) != 0 {
		t.Fatalf("spool still holds %v", got)
	}
}

// A note of a recording whose file is no WAV the recorder wrote is not left to fail each
// start: the file is deleted, and the receipt says discarded, unrepairable.
func TestInterruptedRecordingThatIsNoWAVIsDiscardedWithAReason(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	first := newRig(t, dir, 0, clk)
	r := grantedReceipt("01JTESTUNREPAIRABLE00000000")
	if err := first.archive.RecordingStarted(archive.Recording{Receipt: r, StartedAt: r.DecidedAt, Codec: "PCMU"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(first.archive.WAVPath(r.ID), []byte("not a recording, but long enough for a WAV header"), 0o600); err != nil {
		t.Fatal(err)
	}

	second := newRig(t, dir, 0, clk)
	second.waitStored(t, "receipt")
	var stored consent.Receipt
	second.readJSON(t, storage.ReceiptKey(r.StartedAt, r.ID), &stored)
	if stored.RecordingStatus != consent.RecordingDiscarded || stored.RecordingReason != consent.ReasonUnrepairable || stored.Recording != nil {
		t.Fatalf("stored receipt %+v", stored)
	}
	if got := spoolFiles(t, dir); len(got) != 0 {
		t.Fatalf("spool still holds %v", got)
	}
}

// The streams of a sealed recording are made before its note, so a note whose streams
// are gone is audio lost, not a call that stopped before recording: the receipt says
// discarded, unrepairable, and an event says so.
func TestInterruptedSealedRecordingWithoutItsStreamsIsReported(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	keys := newTestKeys()
	first := sealedRig(t, dir, clk, keys)
	r := grantedReceipt("01JTESTSEALEDGONE000000000A")
	h := first.beginSealed(t, r)
	if !h.Active() {
		t.Fatal("recording did not start")
	}
	for _, party := range []string{sealing.PartyCaller, sealing.PartyAgent} {
		if err := os.Remove(first.archive.SpoolPath(archive.StreamFile(r.ID, party))); err != nil {
			t.Fatal(err)
		}
	}

	second := sealedRig(t, dir, clk, keys)
	ev := second.events.next(t, audit.KindRecordingFailed).(FailedEvent)
	if ev.ID != r.ID || ev.RecordingStatus != consent.RecordingDiscarded || ev.RecordingReason != consent.ReasonUnrepairable {
		t.Fatalf("recording.failed %+v", ev)
	}
	second.waitStored(t, "receipt")
	var stored consent.Receipt
	second.readJSON(t, storage.ReceiptKey(r.StartedAt, r.ID), &stored)
	if stored.RecordingStatus != consent.RecordingDiscarded || stored.RecordingReason != consent.ReasonUnrepairable || stored.Recording != nil {
		t.Fatalf("stored receipt %+v", stored)
	}
}
