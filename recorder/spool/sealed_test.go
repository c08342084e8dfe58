package spool

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/archive"
	"github.com/consentgw/consentgw/storage/archive/spooltest"
)

// testKeys is a key store in memory: one identity per party name, made on first use.
type testKeys struct {
	mu   sync.Mutex
	ids  map[string]*age.X25519Identity
	fail error
}

func newTestKeys() *testKeys { return &testKeys{ids: map[string]*age.X25519Identity{}} }

func (k *testKeys) Current(_ context.Context, name string) (sealing.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return sealing.PublicKey{}, k.fail
	}
	id, ok := k.ids[name]
	if !ok {
		id, _ = age.GenerateX25519Identity()
		k.ids[name] = id
	}
	return sealing.PublicKey{Name: name, KeyID: sealing.KeyID(id.Recipient()), Recipients: []*age.X25519Recipient{id.Recipient()}}, nil
}

func (k *testKeys) identity(name string) *age.X25519Identity {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ids[name]
}

// beginSealed starts recording receipt's call with its parties' keys: the caller's is the
// receipt's first subject, the agent's its second.
func (r *rig) beginSealed(t *testing.T, receipt consent.Receipt) *Recording {
	ck := r.Keys(t.Context(), receipt.ID, receipt.Subjects[:1])
	ck.Agent(t.Context(), receipt.Subjects[1:])
	return r.Begin(receipt, g711.ULaw, ck, r.log(t))
}

func sealedRig(t *testing.T, dir string, clk *clock, keys *testKeys) *rig {
	t.Helper()
	spoolKey, err := sealing.LoadOrCreateSpoolKey(filepath.Join(dir, ".keys"))
	if err != nil {
		t.Fatal(err)
	}
	return newRigWith(t, dir, 0, clk, Options{Keys: keys, SpoolKey: spoolKey})
}

// stream decrypts one party's stream of a stored sealed recording with id.
func stream(t *testing.T, r *rig, meta archive.Metadata, party string, id age.Identity) ([]int16, error) {
	t.Helper()
	rc, _, err := r.store.Get(context.Background(), meta.Recording)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	all, _ := io.ReadAll(rc)
	for _, s := range meta.Sealed.Streams {
		if s.Party != party {
			continue
		}
		pcm, err := sealing.OpenStream(bytes.NewReader(all[s.Offset:s.Offset+s.Size]), id)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(pcm)
		if err != nil {
			return nil, err
		}
		out := make([]int16, len(b)/2)
		binary.Read(bytes.NewReader(b), binary.LittleEndian, out)
		return out, nil
	}
	t.Fatalf("no %s stream in %+v", party, meta.Sealed)
	return nil, nil
}

// A sealed recording is stored as the parties' encrypted streams: the caller's opens with
// the caller's key alone, the agent's with the agent's; nothing in the spool or the store
// holds the audio in clear.
func TestSealedRecordingOpensPerPartyOnly(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	keys := newTestKeys()
	r := sealedRig(t, dir, clk, keys)
	receipt := grantedReceipt("01JTESTSEALED0000000000000A")
	h := r.beginSealed(t, receipt)
	if !h.Active() {
		t.Fatal("recording did not start")
	}
	if _, err := os.Stat(filepath.Join(dir, receipt.ID+".wav")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a sealed recording spooled a WAV")
	}
	// 200 ms of audio on each side, told apart by their samples; then 5 s of the call.
	tap := h.Tap()
	payload := make([]byte, 160)
	for i := range 10 {
		for j := range payload {
			payload[j] = byte(i + j)
		}
		tap.Write(0, 1, uint32(i*160), payload)
		clear(payload)
		tap.Write(1, 2, uint32(i*160), payload)
	}
	clk.Add(5 * time.Second)
	clk.Add(time.Second)
	out := h.Finish()
	if out.Status != consent.RecordingStored {
		t.Fatalf("outcome %+v", out)
	}
	r.waitStored(t, "recording")
	var meta archive.Metadata
	r.readJSON(t, storage.RecordingMetaKey(receipt.StartedAt, receipt.ID), &meta)
	if meta.Sealed == nil || meta.Sealed.Format != sealing.Format || len(meta.Sealed.Streams) != 2 || !strings.HasSuffix(meta.Recording, ".sealed") {
		t.Fatalf("metadata %+v", meta)
	}
	callerKey := sealing.PartyKeyName(receipt.Subjects[:1], receipt.ID, sealing.PartyCaller)
	agentKey := sealing.PartyKeyName(receipt.Subjects[1:], receipt.ID, sealing.PartyAgent)
	for i, s := range meta.Sealed.Streams {
		want := []string{callerKey, agentKey}[i]
		if s.Key != want || s.KeyID == "" || s.Frames != out.Frames || s.Size == 0 || len(s.Subjects) != 1 {
			t.Fatalf("stream %d: %+v, want key %s", i, s, want)
		}
	}
	caller, err := stream(t, r, meta, sealing.PartyCaller, keys.identity(callerKey))
	if err != nil || int64(len(caller)) != out.Frames {
		t.Fatalf("caller's stream: %d samples, %v", len(caller), err)
	}
	agent, err := stream(t, r, meta, sealing.PartyAgent, keys.identity(agentKey))
	if err != nil || int64(len(agent)) != out.Frames {
		t.Fatalf("agent's stream: %d samples, %v", len(agent), err)
	}
	differ := 0
	for i := range caller {
		if caller[i] != agent[i] {
			differ++
		}
	}
	if differ < 1000 {
		t.Fatalf("the channels differ in %d samples: one's audio went to the other", differ)
	}
	if _, err := stream(t, r, meta, sealing.PartyCaller, keys.identity(agentKey)); err == nil {
		t.Fatal("the agent's key opened the caller's channel")
	}
	if got := spoolFiles(t, dir); len(got) != 1 { // the spool key's directory only
		t.Fatalf("spool still holds %v", got)
	}
	var stored consent.Receipt
	r.readJSON(t, storage.ReceiptKey(receipt.StartedAt, receipt.ID), &stored)
	if stored.Recording == nil || *stored.Recording != meta.Recording {
		t.Fatalf("receipt names %v", stored.Recording)
	}
}

// A key store that is away leaves the call unrecorded: nothing is written in clear, the
// receipt says failed, keys_unavailable, and an event says so.
func TestNoKeysNoRecording(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	keys := newTestKeys()
	keys.fail = errors.New("nats: no responders available for request")
	r := sealedRig(t, dir, clk, keys)
	receipt := grantedReceipt("01JTESTNOKEYS0000000000000A")
	ck := r.Keys(t.Context(), receipt.ID, receipt.Subjects[:1])
	ck.Agent(t.Context(), receipt.Subjects[1:])
	if _, err := ck.SealCallID("abc@host"); err == nil {
		t.Fatal("a Call-ID was sealed without a key")
	}
	h := r.Begin(receipt, g711.ULaw, ck, r.log(t))
	if h.Active() {
		t.Fatal("a recording started without keys")
	}
	ev := r.events.next(t, audit.KindRecordingFailed).(FailedEvent)
	if ev.RecordingStatus != consent.RecordingFailed || ev.RecordingReason != consent.ReasonKeysUnavailable {
		t.Fatalf("recording.failed %+v", ev)
	}
	if out := h.Finish(); out.Status != consent.RecordingFailed || out.Reason != consent.ReasonKeysUnavailable {
		t.Fatalf("outcome %+v", out)
	}
	r.waitStored(t, "receipt")
	if got := spoolFiles(t, dir); len(got) != 1 {
		t.Fatalf("spool holds %v", got)
	}
}

// A gateway killed mid-call leaves encrypted streams without their last chunk; the next
// start repairs them from the note in the spool, without the parties' keys, and what it
// stores opens with them: every whole chunk, the loss under SealedCrashLossMax.
func TestInterruptedSealedRecordingIsRepairedAtNextStart(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	keys := newTestKeys()
	first := sealedRig(t, dir, clk, keys)
	receipt := grantedReceipt("01JTESTSEALEDCRASH00000000A")
	h := first.beginSealed(t, receipt)
	// 10 s of the call are recorded (silence: no packet came); the process then dies
	// without stopping anything.
	clk.Add(10*time.Second + time.Second)
	callerFile := filepath.Join(dir, archive.StreamFile(receipt.ID, sealing.PartyCaller))
	waitUntil(t, "two chunks of the caller's stream on disk", func() bool {
		st, err := os.Stat(callerFile)
		return err == nil && st.Size() > 2*(sealing.ChunkBytes+16)
	})
	_ = h // the gateway died: the handle is never finished
	second := sealedRig(t, dir, clk, keys)
	second.waitStored(t, "recording")
	var meta archive.Metadata
	second.readJSON(t, storage.RecordingMetaKey(receipt.StartedAt, receipt.ID), &meta)
	if !meta.Repaired || meta.RecordingStatus != consent.RecordingRepaired || meta.Sealed == nil {
		t.Fatalf("metadata %+v", meta)
	}
	callerKey := sealing.PartyKeyName(receipt.Subjects[:1], receipt.ID, sealing.PartyCaller)
	pcm, err := stream(t, second, meta, sealing.PartyCaller, keys.identity(callerKey))
	if err != nil {
		t.Fatalf("the repaired caller's stream: %v", err)
	}
	lost := 10*time.Second - time.Duration(len(pcm))*time.Second/sealing.SampleRate
	if len(pcm) == 0 || lost > SealedCrashLossMax {
		t.Fatalf("kept %d samples: lost %v of 10 s, more than %v", len(pcm), lost, SealedCrashLossMax)
	}
	if meta.DurationMS != int64(len(pcm))/8 {
		t.Fatalf("metadata says %d ms, the stream holds %d samples", meta.DurationMS, len(pcm))
	}
	var stored consent.Receipt
	second.readJSON(t, storage.ReceiptKey(receipt.StartedAt, receipt.ID), &stored)
	if stored.RecordingStatus != consent.RecordingRepaired || stored.Recording == nil {
		t.Fatalf("stored receipt %+v", stored)
	}
	if got := spoolFiles(t, dir); len(got) != 1 {
		t.Fatalf("spool still holds %v", got)
	}
}

// The disk fills during a sealed call: the streams stop growing, and at the end of the
// call their repair (which writes them anew) waits for space too. Once space returns the
// partial recording is repaired and stored: partial, no_space, and it opens.
func TestSealedRecordingThatFailsMidCallIsStoredPartialOnceSpaceReturns(t *testing.T) {
	r, dir, clk, keys := sealedRigOnTmpfs(t)
	receipt := grantedReceipt("01JTESTSEALEDMIDCALL000000A")
	h := r.beginSealed(t, receipt)
	if !h.Active() {
		t.Fatal("recording did not start")
	}
	filler := fillAfterAChunk(t, dir, clk, receipt)
	ev := r.events.next(t, audit.KindRecordingFailed).(FailedEvent)
	if ev.RecordingStatus != consent.RecordingPartial || ev.RecordingReason != consent.ReasonNoSpace {
		t.Fatalf("recording.failed %+v, want partial, no_space", ev)
	}
	out := h.Finish()
	if out.Status != consent.RecordingPartial || out.Reason != consent.ReasonNoSpace {
		t.Fatalf("outcome %+v, want partial", out)
	}
	filler.Release(t)
	r.waitStored(t, "recording")
	var meta archive.Metadata
	r.readJSON(t, storage.RecordingMetaKey(receipt.StartedAt, receipt.ID), &meta)
	if meta.RecordingStatus != consent.RecordingPartial || meta.RecordingReason != consent.ReasonNoSpace || meta.Sealed == nil {
		t.Fatalf("metadata %+v", meta)
	}
	callerKey := sealing.PartyKeyName(receipt.Subjects[:1], receipt.ID, sealing.PartyCaller)
	pcm, err := stream(t, r, meta, sealing.PartyCaller, keys.identity(callerKey))
	if err != nil || len(pcm) < sealing.ChunkBytes/sealing.SampleBytes {
		t.Fatalf("the partial caller's stream: %d samples, %v", len(pcm), err)
	}
	var stored consent.Receipt
	r.readJSON(t, storage.ReceiptKey(receipt.StartedAt, receipt.ID), &stored)
	if stored.RecordingStatus != consent.RecordingPartial || stored.Recording == nil {
		t.Fatalf("stored receipt %+v", stored)
	}
	if got := spoolFiles(t, dir); len(got) != 0 {
		t.Fatalf("spool still holds %v", got)
	}
}

// A repair the full disk refuses halfway (the caller's stream repaired, the agent's not)
// and tried again must leave the streams the recording's note names as they were: a
// gateway stopped during the retries repairs and stores the recording from the note at
// its next start.
func TestSealedRepairRetriedOnAFullDiskKeepsWhatTheNoteNames(t *testing.T) {
	dir := spooltest.Mount(t, tmpfsSize)
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	keys := newTestKeys()
	first := sealedRig(t, dir, clk, keys)
	receipt := grantedReceipt("01JTESTSEALEDRETRY00000000A")
	h := first.beginSealed(t, receipt)
	clk.Add(10*time.Second + time.Second)
	callerFile := filepath.Join(dir, archive.StreamFile(receipt.ID, sealing.PartyCaller))
	agentFile := filepath.Join(dir, archive.StreamFile(receipt.ID, sealing.PartyAgent))
	var size int64
	waitUntil(t, "two chunks of each stream on disk", func() bool {
		c, err1 := os.Stat(callerFile)
		a, err2 := os.Stat(agentFile)
		size = c.Size()
		return err1 == nil && err2 == nil && c.Size() > 2*(sealing.ChunkBytes+16) && a.Size() > 2*(sealing.ChunkBytes+16)
	})
	// Room for one repaired stream, not two: the caller's repair succeeds, the agent's
	// fails for lack of space, twice (the first try and a retry).
	filler := spooltest.Fill(t, dir, size+size/2)
	job := h.job(recorder.Result{}, consent.RecordingPartial, consent.ReasonNoSpace)
	for try := range 2 {
		if done, _ := h.trySalvage(job); done {
			t.Fatalf("try %d: the repair succeeded on a full disk", try)
		}
	}
	if h.sealed.Streams[0].File != filepath.Base(callerFile) || h.sealed.Streams[1].File != filepath.Base(agentFile) {
		t.Fatalf("a failed repair changed the recording's streams: %+v", h.sealed.Streams)
	}
	for _, f := range []string{callerFile, agentFile} {
		if st, err := os.Stat(f); err != nil || st.Size() < size {
			t.Fatalf("the note's stream %s after the failed repairs: %v", f, err)
		}
		if _, err := os.Stat(filepath.Join(dir, archive.RepairedStreamFile(filepath.Base(f)))); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a failed repair left the repaired copy of %s: %v", f, err)
		}
	}
	// The gateway stops; space returns; the next start repairs from the note.
	filler.Release(t)
	second := sealedRig(t, dir, clk, keys)
	second.waitStored(t, "recording")
	var meta archive.Metadata
	second.readJSON(t, storage.RecordingMetaKey(receipt.StartedAt, receipt.ID), &meta)
	if meta.RecordingStatus != consent.RecordingRepaired || meta.Sealed == nil {
		t.Fatalf("metadata %+v", meta)
	}
	for _, party := range []string{sealing.PartyCaller, sealing.PartyAgent} {
		subjects := receipt.Subjects[:1]
		if party == sealing.PartyAgent {
			subjects = receipt.Subjects[1:]
		}
		pcm, err := stream(t, second, meta, party, keys.identity(sealing.PartyKeyName(subjects, receipt.ID, party)))
		if err != nil || len(pcm) < 2*sealing.ChunkBytes/sealing.SampleBytes {
			t.Fatalf("the repaired %s's stream: %d samples, %v", party, len(pcm), err)
		}
	}
}

// A subject erased while its call's failed recording waits for the disk to take its
// repair: the erase removes the recording's note and streams, and the retry, once space
// returns, stores nothing of the subject, not even a receipt.
func TestEraseWhileASealedRepairWaitsStoresNothingOfTheSubject(t *testing.T) {
	for _, erase := range []struct {
		name, id string
		discard  func(*archive.Archiver, consent.Receipt) int
	}{
		{"subject", "01JTESTSEALEDERASED0000000A", func(a *archive.Archiver, r consent.Receipt) int { return a.DiscardSubject(r.Subjects[0].Key) }},
		{"call", "01JTESTSEALEDERASED0000000B", func(a *archive.Archiver, r consent.Receipt) int { return a.DiscardCall(r.ID) }},
	} {
		t.Run(erase.name, func(t *testing.T) {
			r, dir, clk, _ := sealedRigOnTmpfs(t)
			receipt := grantedReceipt(erase.id)
			h := r.beginSealed(t, receipt)
			filler := fillAfterAChunk(t, dir, clk, receipt)
			r.events.next(t, audit.KindRecordingFailed)
			if out := h.Finish(); out.Status != consent.RecordingPartial {
				t.Fatalf("outcome %+v, want partial", out)
			}
			if n := erase.discard(r.archive, receipt); n != 1 {
				t.Fatalf("the erase discarded %d jobs, want the waiting recording's note", n)
			}
			filler.Release(t)
			// The retry's next try, as its ticker would run it.
			job := h.job(recorder.Result{}, consent.RecordingPartial, consent.ReasonNoSpace)
			if done, lost := h.trySalvage(job); !done || lost == nil || lost.Status != consent.RecordingDiscarded {
				t.Fatalf("retry after the erase: done %v, outcome %+v", done, lost)
			}
			if got := spoolFiles(t, dir); len(got) != 0 {
				t.Fatalf("spool holds %v after the erase", got)
			}
			objects, err := r.store.List(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objects {
				if strings.Contains(o.Key, receipt.ID) || strings.Contains(o.Key, receipt.Subjects[0].Key) {
					t.Fatalf("stored after the erase: %s", o.Key)
				}
			}
		})
	}
}

// sealedRigOnTmpfs is a rig that seals recordings, with its spool on a small tmpfs of its
// own (spooltest.Mount) that a test can fill, its clock and its parties' keys.
func sealedRigOnTmpfs(t *testing.T) (*rig, string, *clock, *testKeys) {
	t.Helper()
	dir := spooltest.Mount(t, tmpfsSize)
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	keys := newTestKeys()
	spoolKey, err := sealing.LoadOrCreateSpoolKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return newRigWith(t, dir, reserve, clk, Options{Keys: keys, SpoolKey: spoolKey}), dir, clk, keys
}

// fillAfterAChunk lets receipt's sealed call record until a chunk of the caller's stream
// is on disk, fills the spool's disk and lets the call record 10 s more against it.
func fillAfterAChunk(t *testing.T, dir string, clk *clock, receipt consent.Receipt) *spooltest.Filler {
	t.Helper()
	callerFile := filepath.Join(dir, archive.StreamFile(receipt.ID, sealing.PartyCaller))
	clk.Add(6 * time.Second)
	waitUntil(t, "a chunk of the caller's stream on disk", func() bool {
		st, err := os.Stat(callerFile)
		return err == nil && st.Size() > sealing.ChunkBytes
	})
	filler := spooltest.Fill(t, dir, 0)
	clk.Add(10 * time.Second)
	return filler
}
