package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
)

// Recording is a finished call recording in the spool, with what its metadata says.
type Recording struct {
	// Receipt is the call's receipt; its Recording field is set when the WAV is stored.
	Receipt   consent.Receipt
	SpoolPath string
	SHA256    string
	Frames    int64
	StartedAt time.Time
	EndedAt   time.Time
	Codec     string
}

// Metadata is the recording's JSON object beside the WAV (SPEC §5).
type Metadata struct {
	ID         string               `json:"id"`
	ReceiptID  string               `json:"consent_receipt_id"`
	Receipt    string               `json:"consent_receipt"`
	Recording  string               `json:"recording"`
	SIPCallID  string               `json:"sip_call_id"`
	Route      string               `json:"route"`
	StartedAt  time.Time            `json:"started_at"`
	EndedAt    time.Time            `json:"ended_at"`
	DurationMS int64                `json:"duration_ms"`
	SampleRate int                  `json:"sample_rate"`
	Channels   map[string]string    `json:"channels"`
	Codec      string               `json:"codec"`
	Subjects   []consent.SubjectRef `json:"subjects"`
	SHA256     string               `json:"sha256"`
	Size       int64                `json:"size"`
	Gateway    string               `json:"gateway"`
}

// Recording stores the WAV, its metadata, the receipt naming it and the subjects' index
// entries, then removes the spool file. Until the store confirmed all of it, the spool
// file stays.
func (a *Archiver) Recording(rec Recording) {
	a.jobs <- job{kind: "recording", run: func(ctx context.Context) error {
		return a.putRecording(ctx, rec)
	}}
}

func (a *Archiver) putRecording(ctx context.Context, rec Recording) error {
	r := rec.Receipt
	wavKey := storage.RecordingKey(r.StartedAt, r.ID)
	metaKey := storage.RecordingMetaKey(r.StartedAt, r.ID)

	f, err := os.Open(rec.SpoolPath)
	if err != nil {
		return fmt.Errorf("opening spooled recording: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading spooled recording: %w", err)
	}
	err = a.store.Put(ctx, wavKey, f, st.Size(), storage.PutOptions{
		ContentType: "audio/wav",
		Metadata:    map[string]string{"sha256": rec.SHA256, "consent-receipt-id": r.ID},
	})
	if err != nil {
		return fmt.Errorf("storing recording: %w", err)
	}
	meta := Metadata{
		ID:         r.ID,
		ReceiptID:  r.ID,
		Receipt:    storage.ReceiptKey(r.StartedAt, r.ID),
		Recording:  wavKey,
		SIPCallID:  r.SIPCallID,
		Route:      r.Route,
		StartedAt:  rec.StartedAt.UTC(),
		EndedAt:    rec.EndedAt.UTC(),
		DurationMS: rec.Frames * 1000 / 8000,
		SampleRate: 8000,
		Channels:   map[string]string{"left": "caller", "right": "agent"},
		Codec:      rec.Codec,
		Subjects:   r.Subjects,
		SHA256:     rec.SHA256,
		Size:       st.Size(),
		Gateway:    r.Gateway,
	}
	if err := a.putJSON(ctx, metaKey, meta); err != nil {
		return fmt.Errorf("storing recording metadata: %w", err)
	}
	r.Recording = &wavKey
	if err := a.putReceipt(ctx, r, wavKey, metaKey); err != nil {
		return err
	}
	if err := os.Remove(rec.SpoolPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		a.log.Warn("stored recording left in spool", "error", err)
	}
	if a.events != nil {
		a.events.Emit("recording.stored", StoredEvent{
			ID: r.ID, Recording: wavKey, Metadata: metaKey, SHA256: rec.SHA256,
			DurationMS: meta.DurationMS, Subjects: r.Subjects,
		})
	}
	return nil
}

// StoredEvent is the payload of recording.stored: keys, checksum and pseudonyms only.
type StoredEvent struct {
	ID         string               `json:"id"`
	Recording  string               `json:"recording"`
	Metadata   string               `json:"metadata"`
	SHA256     string               `json:"sha256"`
	DurationMS int64                `json:"duration_ms"`
	Subjects   []consent.SubjectRef `json:"subjects"`
}
