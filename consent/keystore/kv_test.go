package keystore

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
	"github.com/consentgw/consentgw/consent/sealing"
)

const (
	keyA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	keyB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	keyC = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)

// embedded runs a nats-server with JetStream on disk until the test ends, and returns a
// JetStream client and the store directory.
func embedded(t *testing.T) (jetstream.JetStream, string) {
	t.Helper()
	dir := t.TempDir()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	_, js := jetstreamtest.Connect(t, srv.ClientURL())
	return js, dir
}

func testKEK(t *testing.T) *sealing.KEK {
	t.Helper()
	k, err := sealing.LoadOrCreateKEK(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openKV(t *testing.T, js jetstream.JetStream, kek sealing.Wrapper, now func() time.Time, rotate time.Duration) *KV {
	t.Helper()
	s, err := OpenKV(t.Context(), KVOptions{JS: js, Wrapper: kek, Now: now, RotateAfter: rotate})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func party(keys ...string) string {
	var refs []consent.SubjectRef
	for _, k := range keys {
		refs = append(refs, consent.SubjectRef{Type: "tel", Key: k})
	}
	return sealing.PartyKeyName(refs, "01JZ0000000000000000000001", sealing.PartyCaller)
}

// roundTrip encrypts to k and decrypts with ids.
func roundTrip(t *testing.T, k sealing.PublicKey, ids []age.Identity) error {
	t.Helper()
	sealed, err := sealing.Seal([]byte("hello"), k.AgeRecipients()...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sealing.Open(sealed, ids...)
	if err == nil && string(got) != "hello" {
		t.Fatalf("decrypted %q", got)
	}
	return err
}

func TestAPartyGetsOneKeyThatItsIdentitiesOpen(t *testing.T) {
	js, _ := embedded(t)
	kek := testKEK(t)
	s := openKV(t, js, kek, nil, 0)
	first, err := s.Current(t.Context(), party(keyA))
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Current(t.Context(), party(keyA))
	if err != nil {
		t.Fatal(err)
	}
	if first.KeyID == "" || first.KeyID != again.KeyID || first.Name != "party."+keyA {
		t.Fatalf("keys %+v and %+v", first, again)
	}
	ids, err := s.Identities(t.Context(), party(keyA))
	if err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(t, first, ids); err != nil {
		t.Fatalf("the party's own identity does not open its audio: %v", err)
	}
	other, err := s.Current(t.Context(), party(keyB))
	if err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(t, other, ids); err == nil {
		t.Fatal("one party's identity opens another party's audio")
	}
	// Another node with the same KEK reads the same key; one with another KEK cannot.
	if ids, err := openKV(t, js, kek, nil, 0).Identities(t.Context(), party(keyA)); err != nil || roundTrip(t, first, ids) != nil {
		t.Fatalf("a second node with the same KEK: %v", err)
	}
	if _, err := openKV(t, js, testKEK(t), nil, 0).Identities(t.Context(), party(keyA)); err == nil {
		t.Fatal("a node with another KEK unwrapped a party key")
	}
}

func TestNodesMakingAPartysFirstKeyAtOnceAgreeOnOne(t *testing.T) {
	js, _ := embedded(t)
	kek := testKEK(t)
	stores := []*KV{openKV(t, js, kek, nil, 0), openKV(t, js, kek, nil, 0), openKV(t, js, kek, nil, 0)}
	var wg sync.WaitGroup
	kids := make([]string, 12)
	for i := range kids {
		wg.Go(func() {
			k, err := stores[i%len(stores)].Current(context.Background(), party(keyC))
			if err != nil {
				t.Error(err)
			}
			kids[i] = k.KeyID
		})
	}
	wg.Wait()
	for _, k := range kids {
		if k != kids[0] {
			t.Fatalf("calls got different first keys: %v", kids)
		}
	}
}

func TestARotatedRingKeepsOpeningOlderAudio(t *testing.T) {
	js, _ := embedded(t)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := openKV(t, js, testKEK(t), clock, 30*24*time.Hour)
	old, err := s.Current(t.Context(), party(keyA))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(31 * 24 * time.Hour)
	fresh, err := s.Current(t.Context(), party(keyA))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.KeyID == old.KeyID {
		t.Fatal("the key was not rotated")
	}
	ids, err := s.Identities(t.Context(), party(keyA))
	if err != nil || len(ids) != 2 {
		t.Fatalf("%d identities, %v", len(ids), err)
	}
	for _, k := range []sealing.PublicKey{old, fresh} {
		if err := roundTrip(t, k, ids); err != nil {
			t.Fatalf("key %s: %v", k.KeyID, err)
		}
	}
}

// Erasing a subject destroys every key naming it, its caller keys shared with a customer
// id included, and nobody else's; the stream's files keep no trace of the destroyed keys.
func TestDestroySubjectLeavesNoKeyOfItInTheStore(t *testing.T) {
	js, dir := embedded(t)
	s := openKV(t, js, testKEK(t), nil, 0)
	var destroyed []sealing.PublicKey
	for _, name := range []string{party(keyA), party(keyA, keyB)} {
		k, err := s.Current(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		destroyed = append(destroyed, k)
	}
	kept, err := s.Current(t.Context(), party(keyB))
	if err != nil {
		t.Fatal(err)
	}
	if grep(t, dir, []byte(destroyed[0].Recipients[0].String())) == "" {
		t.Fatal("the store's files do not hold the key in the first place: the check below would prove nothing")
	}
	kids, err := s.DestroySubject(t.Context(), keyA)
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) != 2 {
		t.Fatalf("destroyed %v, want the two keys naming A", kids)
	}
	for _, name := range []string{party(keyA), party(keyA, keyB)} {
		if _, err := s.Identities(t.Context(), name); !errors.Is(err, sealing.ErrNoKey) {
			t.Fatalf("%s after the erase: %v", name, err)
		}
	}
	if ids, err := s.Identities(t.Context(), party(keyB)); err != nil || roundTrip(t, kept, ids) != nil {
		t.Fatalf("B's own key went with A's: %v", err)
	}
	for _, k := range destroyed {
		if path := grep(t, dir, []byte(k.Recipients[0].String())); path != "" {
			t.Fatalf("%s still holds destroyed key %s", path, k.KeyID)
		}
	}
	if again, err := s.DestroySubject(t.Context(), keyA); err != nil || len(again) != 0 {
		t.Fatalf("a second destroy: %v, %v", again, err)
	}
}

// grep names a file under dir that holds b.
func grep(t *testing.T, dir string, b []byte) string {
	t.Helper()
	var found string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != "" {
			return nil
		}
		if data, err := os.ReadFile(path); err == nil && bytes.Contains(data, b) {
			found = path
		}
		return nil
	})
	return found
}

func TestAKeyStoreThatIsAwayIsUnavailable(t *testing.T) {
	js, _ := embedded(t)
	s := openKV(t, js, testKEK(t), nil, 0)
	s.kv = brokenKV{s.kv}
	if _, err := s.Current(t.Context(), party(keyA)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Current = %v, want ErrUnavailable", err)
	}
}

type brokenKV struct{ jetstream.KeyValue }

func (brokenKV) Get(context.Context, string) (jetstream.KeyValueEntry, error) {
	return nil, nats.ErrNoResponders
}
