package rights

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/archive"
	"github.com/consentgw/consentgw/storage/index"
	"github.com/consentgw/consentgw/storage/local"
)

const (
	aliceNumber = "+4512345678"
	bobNumber   = "+4587654321"
	agentUser   = "agent-7"
)

var testKey = []byte("rights-test-key-0123456789abcdef")

func pseudonyms(t testing.TB) *subject.Pseudonymizer {
	t.Helper()
	p, err := subject.NewPseudonymizer(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func keyOf(t testing.TB, typ subject.Type, value string) string {
	t.Helper()
	k, err := pseudonyms(t).NormalizedKey(subject.Subject{Type: typ, Value: value}, "DK")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func localStore(t testing.TB) *local.Store {
	t.Helper()
	st, err := local.New(filepath.Join(t.TempDir(), "objects"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// sink records audit events.
type sink struct {
	mu     sync.Mutex
	events []sentEvent
	fail   error
}

type sentEvent struct {
	kind    string
	payload []byte
	sync    bool
}

func (s *sink) Emit(kind string, payload any) {
	b, _ := json.Marshal(payload)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, sentEvent{kind, b, false})
}

func (s *sink) Publish(_ context.Context, kind string, payload any) error {
	b, _ := json.Marshal(payload)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.events = append(s.events, sentEvent{kind, b, true})
	return nil
}

func (s *sink) kinds(kind string) []sentEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sentEvent
	for _, e := range s.events {
		if e.kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// discards records the subject keys an erase asked the nodes to discard.
type discards struct {
	mu      sync.Mutex
	keys    []string
	targets []DiscardTarget
	live    int
}

func (d *discards) Discard(_ context.Context, t DiscardTarget) (Discarded, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.keys = append(d.keys, t.SubjectKey)
	d.targets = append(d.targets, t)
	return Discarded{Nodes: 1, Live: d.live}, nil
}

func newService(t testing.TB, st storage.Store, events EventSink, d Discarder) *Service {
	t.Helper()
	svc, err := New(Options{
		Store: st, Pseudonyms: pseudonyms(t), DefaultRegion: "DK", Events: events, Discard: d,
		Node: "test-node", Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// call is one seeded call: what the archive would have stored for it.
type call struct {
	id       string
	at       time.Time
	subjects []consent.SubjectRef
	wav      []byte // nil: not recorded
}

func (c call) receiptKey() string   { return storage.ReceiptKey(c.at, c.id) }
func (c call) recordingKey() string { return storage.RecordingKey(c.at, c.id) }
func (c call) metaKey() string      { return storage.RecordingMetaKey(c.at, c.id) }

// newCall draws its id from a source of its own: a shared one would not go back in time
// for a test's older call, and the id's time names the day of the call's keys.
func newCall(at time.Time, wav []byte, subjects ...consent.SubjectRef) call {
	return call{id: consent.NewIDSource().New(at), at: at, subjects: subjects, wav: wav}
}

func ref(typ subject.Type, key string) consent.SubjectRef {
	return consent.SubjectRef{Type: string(typ), Key: key}
}

// seed stores a call as storage/archive lays it out: receipt, WAV, metadata, and one
// index entry per subject.
func seed(t testing.TB, st storage.Store, c call) {
	t.Helper()
	ctx := context.Background()
	r := consent.Receipt{
		ID: c.id, SIPCallID: "call-" + c.id, Route: "default", StartedAt: c.at, DecidedAt: c.at.Add(time.Second),
		Decision: consent.DecisionDeclined, Method: consent.MethodRFC4733, Digit: "2", Subjects: c.subjects, Gateway: "test-node",
	}
	var recKey, metaKey string
	if c.wav != nil {
		recKey, metaKey = c.recordingKey(), c.metaKey()
		r.Decision, r.Digit, r.Recording = consent.DecisionGranted, "1", &recKey
		if err := st.Put(ctx, recKey, bytes.NewReader(c.wav), int64(len(c.wav)), storage.PutOptions{ContentType: "audio/wav"}); err != nil {
			t.Fatal(err)
		}
		putJSON(t, st, metaKey, archive.Metadata{ID: c.id, ReceiptID: c.id, Receipt: c.receiptKey(), Recording: recKey,
			StartedAt: c.at, EndedAt: c.at.Add(time.Minute), DurationMS: 60000, SampleRate: 8000, Subjects: c.subjects, Size: int64(len(c.wav))})
	}
	putJSON(t, st, c.receiptKey(), r)
	for _, s := range c.subjects {
		if err := index.Put(ctx, st, index.Entry{SubjectKey: s.Key, SubjectType: s.Type, ID: c.id, Receipt: c.receiptKey(),
			Recording: recKey, RecordingMeta: metaKey, CreatedAt: c.at}); err != nil {
			t.Fatal(err)
		}
	}
}

func putJSON(t testing.TB, st storage.Store, key string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), storage.PutOptions{ContentType: "application/json"}); err != nil {
		t.Fatal(err)
	}
}

func exists(t testing.TB, st storage.Store, key string) bool {
	t.Helper()
	_, err := st.Stat(context.Background(), key)
	if err == nil {
		return true
	}
	if !isNotFound(err) {
		t.Fatal(err)
	}
	return false
}

func isNotFound(err error) bool {
	return errors.Is(err, storage.ErrNotFound)
}

func keys(t testing.TB, st storage.Store, prefix string) []string {
	t.Helper()
	objs, err := st.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

func wavBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	copy(b, "RIFF")
	for i := 4; i < n; i++ {
		b[i] = byte(i) ^ seed
	}
	return b
}

func readAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newServiceWith is newService with options adjusted (erase policy, signer, clock).
func newServiceWith(t testing.TB, st storage.Store, events EventSink, d Discarder, adjust func(*Options)) *Service {
	t.Helper()
	o := Options{
		Store: st, Pseudonyms: pseudonyms(t), DefaultRegion: "DK", Events: events, Discard: d,
		Node: "test-node", Logger: slog.New(slog.DiscardHandler),
	}
	adjust(&o)
	svc, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func telRequest(id, number string) Request {
	return Request{RequestID: id, Subject: subject.Subject{Type: subject.TypeTel, Value: number}, RequestedBy: "dpo"}
}

func mustGet(t testing.TB, st storage.Store, key string) io.Reader {
	t.Helper()
	rc, _, err := st.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}
