package spool

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/recorder/wavfile"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/archive"
	"github.com/consentgw/consentgw/storage/archive/spooltest"
)

const (
	tmpfsSize = 2 << 20 // about a minute of stereo audio
	reserve   = 1 << 20 // a call's worth, for these tests
)

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != spooltest.FillerName {
			names = append(names, e.Name())
		}
	}
	return names
}

// A spool with less than a call's worth of room starts no recording: nothing of the call
// is written but its receipt, which says failed, spool_full; an event and a count say so.
func TestSpoolFullBeforeTheCallStartsNoRecording(t *testing.T) {
	dir := spooltest.Mount(t, tmpfsSize)
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	r := newRig(t, dir, reserve, clk)
	spooltest.Fill(t, dir, reserve/2)
	waitUntil(t, "the archive to see the spool full", r.archive.Full)

	receipt := grantedReceipt("01JTESTSPOOLFULL0000000000A")
	h := r.Begin(receipt, g711.ULaw, nil, r.log(t))
	if h.Active() || h.Tap() != nil || h.Pause(true) {
		t.Fatal("a recording started on a full spool")
	}
	ev := r.events.next(t, audit.KindRecordingFailed).(FailedEvent)
	if ev.ID != receipt.ID || ev.RecordingStatus != consent.RecordingFailed || ev.RecordingReason != consent.ReasonSpoolFull || len(ev.Subjects) != 2 {
		t.Fatalf("recording.failed %+v", ev)
	}
	if got := spoolFiles(t, dir); len(got) != 0 {
		t.Fatalf("spool holds %v: a recording that did not start wrote files", got)
	}
	out := h.Finish()
	if out.Status != consent.RecordingFailed || out.Reason != consent.ReasonSpoolFull {
		t.Fatalf("outcome %+v", out)
	}
	r.waitStored(t, "receipt")
	var stored consent.Receipt
	r.readJSON(t, storage.ReceiptKey(receipt.StartedAt, receipt.ID), &stored)
	if stored.RecordingStatus != consent.RecordingFailed || stored.RecordingReason != consent.ReasonSpoolFull || stored.Recording != nil {
		t.Fatalf("stored receipt says %s/%s, recording %v", stored.RecordingStatus, stored.RecordingReason, stored.Recording)
	}
	if n := r.counts.failures(consent.ReasonSpoolFull); n != 1 {
		t.Fatalf("%d spool_full failures counted, want 1", n)
	}
}

// The disk fills during the call: the recording stops growing, an event says so at once,
// and what reached the disk is kept. At the end of the call the spool's disk cannot even
// take the job that stores it: the job waits in memory, and once space returns the
// partial recording is stored, with a receipt that says partial, no_space.
func TestRecordingThatFailsMidCallIsStoredPartialOnceSpaceReturns(t *testing.T) {
	dir := spooltest.Mount(t, tmpfsSize)
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	r := newRig(t, dir, reserve, clk)
	receipt := grantedReceipt("01JTESTMIDCALL000000000000A")
	h := r.Begin(receipt, g711.ULaw, nil, r.log(t))
	if !h.Active() {
		t.Fatal("recording did not start")
	}
	// Two seconds of the call reach the disk (silence: no packet came).
	wav := filepath.Join(dir, receipt.ID+".wav")
	clk.Add(2 * time.Second)
	waitUntil(t, "a second of audio on disk", func() bool {
		st, err := os.Stat(wav)
		return err == nil && st.Size() >= wavfile.HeaderSize+8000*wavfile.FrameBytes
	})
	filler := spooltest.Fill(t, dir, 0)
	clk.Add(3 * time.Second)

	ev := r.events.next(t, audit.KindRecordingFailed).(FailedEvent)
	if ev.RecordingStatus != consent.RecordingPartial || ev.RecordingReason != consent.ReasonNoSpace {
		t.Fatalf("recording.failed %+v, want partial, no_space", ev)
	}
	out := h.Finish()
	if out.Status != consent.RecordingPartial || out.Reason != consent.ReasonNoSpace || out.Frames < 8000 {
		t.Fatalf("outcome %+v, want partial with at least a second", out)
	}
	if n := r.archive.Held(); n != 1 {
		t.Fatalf("%d jobs held in memory, want the recording's", n)
	}
	filler.Release(t)
	r.waitStored(t, "recording")

	var meta archive.Metadata
	r.readJSON(t, storage.RecordingMetaKey(receipt.StartedAt, receipt.ID), &meta)
	if meta.RecordingStatus != consent.RecordingPartial || meta.RecordingReason != consent.ReasonNoSpace || meta.DurationMS != out.Frames/8 {
		t.Fatalf("metadata %+v", meta)
	}
	var stored consent.Receipt
	r.readJSON(t, storage.ReceiptKey(receipt.StartedAt, receipt.ID), &stored)
	if stored.RecordingStatus != consent.RecordingPartial || stored.RecordingReason != consent.ReasonNoSpace || stored.Recording == nil {
		t.Fatalf("stored receipt %+v", stored)
	}
	if got := spoolFiles(t, dir); len(got) != 0 {
		t.Fatalf("spool still holds %v", got)
	}
	if n := r.counts.failures(consent.ReasonNoSpace); n != 1 {
		t.Fatalf("%d no_space failures counted, want 1", n)
	}
}
