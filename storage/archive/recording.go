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

// Recording is a call recording in the spool and what its metadata will say.
type Recording struct {
	// Receipt is the call's receipt; its Recording field is set when the WAV is stored,
	// and its RecordingStatus to Status.
	Receipt   consent.Receipt `json:"receipt"`
	SHA256    string          `json:"sha256,omitempty"`
	Frames    int64           `json:"frames,omitempty"`
	StartedAt time.Time       `json:"started_at"`
	EndedAt   time.Time       `json:"ended_at,omitzero"`
	Codec     string          `json:"codec"`
	// Status is stored (the whole call), partial (writing failed during the call) or
	// repaired (the gateway stopped during the call); "" is stored. Reason is a
	// consent.Reason… code for the last two.
	Status consent.RecordingStatus `json:"status,omitempty"`
	Reason string                  `json:"reason,omitempty"`
	// Sealed, when set, is the recording's encrypted streams (sealed.go), in place of a
	// WAV at WAVPath; SHA256 is then the stored object's, the streams back to back.
	Sealed *Sealed `json:"sealed,omitempty"`
}

// Metadata is the recording's JSON object beside the WAV (SPEC §5).
type Metadata struct {
	ID         string               `json:"id"`
	ReceiptID  string               `json:"consent_receipt_id"`
	Receipt    string               `json:"consent_receipt"`
	Recording  string               `json:"recording"`
	CallIDKey  string               `json:"sip_call_id_key"` // the raw Call-ID is in the receipt only
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
	// Repaired is true when the call's gateway stopped mid-call and the WAV was cut to
	// the audio that reached the disk.
	Repaired bool `json:"repaired,omitempty"`
	// RecordingStatus and RecordingReason are the receipt's: stored, partial or
	// repaired, and why a recording is not whole.
	RecordingStatus consent.RecordingStatus `json:"recording_status"`
	RecordingReason string                  `json:"recording_reason,omitempty"`
	// Sealed describes the parties' encrypted streams of a sealed recording: whose each
	// is, the key that opens it, its place in the object and its checksum.
	Sealed *SealedMeta `json:"sealed,omitempty"`
}

// StoredEvent is the payload of recording.stored: keys, checksum and pseudonyms only.
type StoredEvent struct {
	ID         string               `json:"id"`
	Recording  string               `json:"recording"`
	Metadata   string               `json:"metadata"`
	SHA256     string               `json:"sha256"`
	DurationMS int64                `json:"duration_ms"`
	Subjects   []consent.SubjectRef `json:"subjects"`
	// RecordingStatus is stored, partial or repaired; RecordingReason why not whole.
	RecordingStatus consent.RecordingStatus `json:"recording_status"`
	RecordingReason string                  `json:"recording_reason,omitempty"`
}

// RecordingStarted notes a recording in progress (its audio goes to WAVPath), so that a
// gateway killed mid-call can repair and store it at its next start. Unlike a finished
// job, it is not held when the disk refuses it: the recording must not start then.
func (a *Archiver) RecordingStarted(rec Recording) error {
	return a.put(rec.Receipt.ID, kindActive, rec)
}

// Interrupted lists the recordings an earlier run left in progress (the process stopped
// mid-call): their WAVs are at WAVPath, to be repaired and handed to Recording, or
// forgotten with RecordingDiscarded. Call it before any call starts: a live call's
// recording is in progress too. A job that cannot be read is dropped, and logged.
func (a *Archiver) Interrupted() []Recording {
	var out []Recording
	for _, j := range a.list(kindActive) {
		var rec Recording
		if err := a.read(j, &rec); err != nil {
			a.drop(j, err)
			continue
		}
		out = append(out, rec)
	}
	return out
}

// Recording queues a finished recording for storage: the WAV, its metadata, the receipt
// naming it and the subjects' index entries. The spool file is deleted only after the
// store took all of it. A job held in memory (ErrHeld) keeps the recording's active job
// on disk, so a restart before the disk takes it still repairs and stores the audio.
func (a *Archiver) Recording(rec Recording) error {
	if err := a.put(rec.Receipt.ID, kindRecording, rec); err != nil {
		return err
	}
	os.Remove(a.jobPath(rec.Receipt.ID, kindActive))
	return nil
}

// ErrDiscarded means a recording's note was no longer in the spool when its repair was
// done: a discard (an erase, a withdrawal) took it meanwhile, and nothing of it is stored.
var ErrDiscarded = errors.New("archive: the recording was discarded while its repair waited")

// RecordingRepaired queues a recording repaired after its writing failed, as Recording
// does, if its note is still in the spool; otherwise it removes the call's audio (the
// repair's new files) and returns ErrDiscarded. The check and the queuing hold the
// call's uploader's mu, as the discards do, so an erase either finds the job or the job
// finds the erase.
func (a *Archiver) RecordingRepaired(rec Recording) error {
	u := a.uploaderFor(rec.Receipt.ID)
	u.mu.Lock()
	defer u.mu.Unlock()
	if !a.noted(rec.Receipt.ID) {
		a.removeAudio(rec.Receipt.ID)
		return ErrDiscarded
	}
	return a.Recording(rec)
}

// RecordingLost forgets a noted recording of which nothing could be kept, and queues r,
// the call's receipt saying so, unless the note was discarded meanwhile: then it writes
// nothing and returns ErrDiscarded. It holds the call's uploader's mu as
// RecordingRepaired does.
func (a *Archiver) RecordingLost(r consent.Receipt) error {
	u := a.uploaderFor(r.ID)
	u.mu.Lock()
	defer u.mu.Unlock()
	noted := a.noted(r.ID)
	a.held.drop(r.ID, kindRecording)
	for _, kind := range []string{kindActive, kindRecording} {
		os.Remove(a.jobPath(r.ID, kind))
	}
	a.removeAudio(r.ID)
	if !noted {
		return ErrDiscarded
	}
	return a.put(r.ID, kindReceipt, r)
}

// noted reports whether the spool holds the note of a recording of call id.
func (a *Archiver) noted(id string) bool {
	_, err := os.Stat(a.jobPath(id, kindActive))
	return !errors.Is(err, os.ErrNotExist)
}

// RecordingDiscarded forgets a recording whose audio was discarded (consent withdrawn,
// subject erased): nothing of it is stored.
func (a *Archiver) RecordingDiscarded(id string) {
	u := a.uploaderFor(id)
	u.mu.Lock()
	defer u.mu.Unlock()
	a.held.drop(id, kindRecording)
	for _, kind := range []string{kindActive, kindRecording} {
		os.Remove(a.jobPath(id, kind))
	}
	a.removeAudio(id)
}

func (a *Archiver) storeRecording(ctx context.Context, j job) error {
	var rec Recording
	if err := a.read(j, &rec); err != nil {
		return a.drop(j, err)
	}
	r := rec.Receipt
	status := rec.Status
	if status == "" {
		status = consent.RecordingStored
	}
	if !a.hasAudio(rec) {
		return a.drop(j, errors.New("its audio is no longer in the spool"))
	}
	wavKey := storage.RecordingKey(r.StartedAt, r.ID)
	metaKey := storage.RecordingMetaKey(r.StartedAt, r.ID)
	var sealed *SealedMeta
	var size int64
	var err error
	if rec.Sealed != nil {
		wavKey = storage.SealedRecordingKey(r.StartedAt, r.ID)
		if sealed, size, err = a.putSealed(ctx, wavKey, rec); errors.Is(err, errChanged) {
			return a.drop(j, err)
		}
	} else {
		size, err = a.putWAV(ctx, wavKey, rec)
	}
	if err != nil {
		return err
	}
	meta := Metadata{
		ID:         r.ID,
		ReceiptID:  r.ID,
		Receipt:    storage.ReceiptKey(r.StartedAt, r.ID),
		Recording:  wavKey,
		CallIDKey:  r.SIPCallIDKey,
		Route:      r.Route,
		StartedAt:  rec.StartedAt.UTC(),
		EndedAt:    rec.EndedAt.UTC(),
		DurationMS: rec.Frames * 1000 / 8000,
		SampleRate: 8000,
		Channels:   map[string]string{"left": "caller", "right": "agent"},
		Codec:      rec.Codec,
		Subjects:   r.Subjects,
		SHA256:     rec.SHA256,
		Size:       size,
		Gateway:    r.Gateway,
		Repaired:   status == consent.RecordingRepaired,
		// The receipt's account of the recording, beside the audio too.
		RecordingStatus: status,
		RecordingReason: rec.Reason,
		Sealed:          sealed,
	}
	if err := a.putJSON(ctx, metaKey, meta); err != nil {
		return fmt.Errorf("storing recording metadata: %w", err)
	}
	r.Recording, r.RecordingStatus, r.RecordingReason = &wavKey, status, rec.Reason
	if err := a.putReceipt(ctx, r, wavKey, metaKey); err != nil {
		return err
	}
	a.removeAudio(r.ID)
	if err := os.Remove(j.path); err != nil {
		return fmt.Errorf("clearing the stored recording's job: %w", err)
	}
	if a.o.Events != nil {
		a.o.Events.Emit("recording.stored", StoredEvent{
			ID: r.ID, Recording: wavKey, Metadata: metaKey, SHA256: rec.SHA256,
			DurationMS: meta.DurationMS, Subjects: r.Subjects,
			RecordingStatus: status, RecordingReason: rec.Reason,
		})
	}
	return nil
}

// putWAV stores a spooled WAV and returns its size.
func (a *Archiver) putWAV(ctx context.Context, key string, rec Recording) (int64, error) {
	f, err := os.Open(a.wavPath(rec.Receipt.ID))
	if err != nil {
		return 0, fmt.Errorf("opening spooled recording: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("reading spooled recording: %w", err)
	}
	err = a.o.Store.Put(ctx, key, f, st.Size(), storage.PutOptions{
		ContentType: "audio/wav",
		Metadata:    map[string]string{"sha256": rec.SHA256, "consent-receipt-id": rec.Receipt.ID},
	})
	if err != nil {
		return 0, fmt.Errorf("storing recording: %w", err)
	}
	return st.Size(), nil
}
