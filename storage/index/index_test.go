package index

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/local"
)

const (
	alice = "3f2a9c0e5b7d41e6a8c2f0b4d6e8a1c3f5b7d9e1a3c5e7f9b1d3f5a7c9e1b3d5"
	bob   = "0b1d3f5a7c9e1b3d53f2a9c0e5b7d41e6a8c2f0b4d6e8a1c3f5b7d9e1a3c5e7f"
)

func newStore(t *testing.T) storage.Store {
	t.Helper()
	st, err := local.New(filepath.Join(t.TempDir(), "objects"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func entry(subjectKey, id string, at time.Time, recorded bool) Entry {
	e := Entry{
		SubjectKey:  subjectKey,
		SubjectType: "tel",
		ID:          id,
		Receipt:     storage.ReceiptKey(at, id),
		CreatedAt:   at,
	}
	if recorded {
		e.Recording = storage.RecordingKey(at, id)
		e.RecordingMeta = storage.RecordingMetaKey(at, id)
	}
	return e
}

func TestLookupReturnsOnlyThatSubjectsEntriesInIDOrder(t *testing.T) {
	st := newStore(t)
	cet := time.FixedZone("CET", 3600)
	day := time.Date(2025, 3, 1, 0, 30, 0, 0, cet)
	puts := []Entry{
		entry(alice, "01JN0000000000000000000002", day.Add(time.Hour), false),
		entry(alice, "01JN0000000000000000000001", day, true),
		entry(bob, "01JN0000000000000000000001", day, true),
	}
	for _, e := range puts {
		if err := Put(t.Context(), st, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Lookup(t.Context(), st, alice)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{puts[1], puts[0]}
	for i := range want {
		want[i].CreatedAt = want[i].CreatedAt.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Lookup(alice) =\n%+v\nwant\n%+v", got, want)
	}
	if got[0].Receipt != "consent/2025/02/28/01JN0000000000000000000001.json" {
		t.Errorf("receipt key %q not on the UTC day", got[0].Receipt)
	}
}

func TestLookupOfUnknownSubjectIsEmpty(t *testing.T) {
	st := newStore(t)
	if err := Put(t.Context(), st, entry(alice+"0", "01A", time.Now(), false)); err != nil {
		t.Fatal(err)
	}
	// alice's key is a prefix of the stored one: the listing must not
	// reach into the other subject.
	got, err := Lookup(t.Context(), st, alice)
	if err != nil || len(got) != 0 {
		t.Fatalf("Lookup = %v, %v; want nothing", got, err)
	}
}

func TestEntryJSONFieldNames(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	st := newStore(t)
	if err := Put(t.Context(), st, entry(alice, "01A", at, false)); err != nil {
		t.Fatal(err)
	}
	rc, info, err := st.Get(t.Context(), storage.IndexKey(alice, "01A"))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var m map[string]any
	if err := json.NewDecoder(rc).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if info.ContentType != "application/json" {
		t.Errorf("content type %q", info.ContentType)
	}
	for _, k := range []string{"subject_key", "subject_type", "id", "receipt", "created_at"} {
		if _, ok := m[k]; !ok {
			t.Errorf("entry lacks %q: %v", k, m)
		}
	}
	if _, ok := m["recording"]; ok {
		t.Error("unrecorded call's entry names a recording")
	}
	if m["created_at"] != "2025-03-01T11:00:00Z" {
		t.Errorf("created_at = %v, want UTC", m["created_at"])
	}
}

func TestPutRejectsEntriesOutsideTheSubjectPrefix(t *testing.T) {
	st := newStore(t)
	now := time.Now()
	cases := map[string]Entry{
		"empty subject":   entry("", "01A", now, false),
		"nested subject":  entry("a/b", "01A", now, false),
		"traversal id":    entry(alice, "..", now, false),
		"nested id":       entry(alice, "x/y", now, false),
		"missing receipt": {SubjectKey: alice, ID: "01A"},
	}
	for name, e := range cases {
		if err := Put(t.Context(), st, e); !errors.Is(err, ErrInvalidEntry) {
			t.Errorf("%s: Put = %v, want ErrInvalidEntry", name, err)
		}
	}
	for _, k := range []string{"", "..", "a/b"} {
		if _, err := Lookup(t.Context(), st, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Lookup(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
	infos, _ := st.List(t.Context(), "")
	if len(infos) != 0 {
		t.Fatalf("rejected entries were stored: %v", infos)
	}
}

func TestLookupSkipsForeignObjectsUnderThePrefix(t *testing.T) {
	st := newStore(t)
	if err := Put(t.Context(), st, entry(alice, "01A", time.Now(), false)); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{storage.IndexPrefix(alice) + "notes.txt", storage.IndexPrefix(alice) + "deeper/01B.json"} {
		if err := st.Put(t.Context(), k, strings.NewReader("x"), 1, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Lookup(t.Context(), st, alice)
	if err != nil || len(got) != 1 || got[0].ID != "01A" {
		t.Fatalf("Lookup = %v, %v", got, err)
	}
}
