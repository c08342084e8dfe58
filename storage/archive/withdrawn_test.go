package archive

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
)

// A withdrawal mid-call replaces the granted receipt and leaves nothing of the audio:
// the stored receipt says withdrawn and no recording object ever appears.
func TestWithdrawnReplacesTheReceiptAndDropsTheAudio(t *testing.T) {
	a, st, done := newArchiver(t)
	r := receipt()
	if err := a.Receipt(r); err != nil {
		t.Fatal(err)
	}
	waitFor(t, done, "receipt")
	if err := a.RecordingStarted(Recording{Receipt: r, StartedAt: r.DecidedAt, Codec: "PCMU"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(a.WAVPath(r.ID), []byte("RIFF....WAVE"), 0o600); err != nil {
		t.Fatal(err)
	}

	w := r
	w.Decision, w.WithdrawnAt, w.WithdrawnVia = consent.DecisionWithdrawn, r.DecidedAt.Add(time.Minute), "nats"
	if err := a.Withdrawn(w); err != nil {
		t.Fatal(err)
	}
	waitFor(t, done, "receipt")

	var stored consent.Receipt
	readJSON(t, st, storage.ReceiptKey(r.StartedAt, r.ID), &stored)
	if stored.Decision != consent.DecisionWithdrawn || stored.WithdrawnVia != "nats" || stored.Recording != nil {
		t.Fatalf("stored receipt %+v", stored)
	}
	if _, err := os.Stat(a.WAVPath(r.ID)); !os.IsNotExist(err) {
		t.Errorf("spooled audio still there: %v", err)
	}
	if _, err := os.Stat(a.jobPath(r.ID, kindActive)); !os.IsNotExist(err) {
		t.Errorf("recording still noted as in progress: %v", err)
	}
	if objs, err := st.List(context.Background(), "recordings/"); err != nil || len(objs) != 0 {
		t.Errorf("recordings stored: %v %v", objs, err)
	}
}
