package archive

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/index"
	"github.com/consentgw/consentgw/storage/local"
)

func newArchiver(t *testing.T) (*Archiver, storage.Store, chan string) {
	t.Helper()
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 8)
	a, err := New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), Dir: t.TempDir(), Observe: func(kind string, err error) {
		if err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		done <- kind
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(context.Background()); err != nil {
			t.Error(err)
		}
		st.Close()
	})
	return a, st, done
}

func waitFor(t *testing.T, done chan string, kind string) {
	t.Helper()
	select {
	case k := <-done:
		if k != kind {
			t.Fatalf("stored %s, want %s", k, kind)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s never stored", kind)
	}
}

func readJSON(t *testing.T, st storage.Store, key string, v any) {
	t.Helper()
	rc, _, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

func receipt() consent.Receipt {
	started := time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC)
	return consent.Receipt{
		ID: "01JTESTRECEIPT0000000000000", SIPCallID: "abc@host", Route: "default",
		StartedAt: started, DecidedAt: started.Add(2 * time.Second),
		Decision: consent.DecisionGranted, Method: consent.MethodRFC4733, Digit: "1",
		Subjects: []consent.SubjectRef{{Type: "tel", Key: "aa11"}, {Type: "agent", Key: "bb22"}},
		Gateway:  "node-1",
	}
}

func TestReceiptIsStoredWithAnIndexEntryPerSubject(t *testing.T) {
	a, st, done := newArchiver(t)
	r := receipt()
	if err := a.Receipt(r); err != nil {
		t.Fatal(err)
	}
	waitFor(t, done, "receipt")

	var got map[string]any
	readJSON(t, st, "consent/2026/11/23/"+r.ID+".json", &got)
	if got["decision"] != "granted" || got["recording"] != nil {
		t.Fatalf("receipt %v", got)
	}
	for _, s := range r.Subjects {
		entries, err := index.Lookup(context.Background(), st, s.Key)
		if err != nil || len(entries) != 1 || entries[0].Receipt != storage.ReceiptKey(r.StartedAt, r.ID) {
			t.Fatalf("index of %s: %+v, %v", s.Key, entries, err)
		}
	}
}

func TestRecordingIsStoredThenLeavesTheSpool(t *testing.T) {
	a, st, done := newArchiver(t)
	r := receipt()
	spool := a.WAVPath(r.ID)
	if err := os.WriteFile(spool, []byte("RIFF....WAVE"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Recording(Recording{Receipt: r, SHA256: "00ff", Frames: 16000, StartedAt: r.DecidedAt, EndedAt: r.DecidedAt.Add(2 * time.Second), Codec: "PCMU"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, done, "recording")

	wavKey := storage.RecordingKey(r.StartedAt, r.ID)
	if _, err := st.Stat(context.Background(), wavKey); err != nil {
		t.Fatalf("recording not stored: %v", err)
	}
	var meta Metadata
	readJSON(t, st, storage.RecordingMetaKey(r.StartedAt, r.ID), &meta)
	if meta.SHA256 != "00ff" || meta.DurationMS != 2000 || meta.ReceiptID != r.ID || len(meta.Subjects) != 2 {
		t.Fatalf("metadata %+v", meta)
	}
	var stored consent.Receipt
	readJSON(t, st, storage.ReceiptKey(r.StartedAt, r.ID), &stored)
	if stored.Recording == nil || *stored.Recording != wavKey {
		t.Fatalf("receipt names recording %v, want %s", stored.Recording, wavKey)
	}
	entries, _ := index.Lookup(context.Background(), st, "aa11")
	if len(entries) != 1 || entries[0].Recording != wavKey {
		t.Fatalf("index %+v", entries)
	}
	if _, err := os.Stat(spool); !os.IsNotExist(err) {
		t.Fatalf("spool file still there: %v", err)
	}
}
