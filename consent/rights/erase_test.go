package rights

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
)

// people seeds alice (2 recorded calls, 1 declined), bob (1 recorded call), all with the
// same agent, and returns their calls.
func people(t *testing.T, st storage.Store) (alice, bob []call) {
	t.Helper()
	a := ref(subject.TypeTel, keyOf(t, subject.TypeTel, aliceNumber))
	b := ref(subject.TypeTel, keyOf(t, subject.TypeTel, bobNumber))
	ag := ref(subject.TypeAgent, keyOf(t, subject.TypeAgent, agentUser))
	day := time.Date(2025, 3, 1, 23, 30, 0, 0, time.UTC)
	alice = []call{
		newCall(day, wavBytes(3000, 1), a, ag),
		newCall(day.Add(time.Hour), nil, a, ag), // crosses midnight: another day's keys
		newCall(day.Add(2*time.Hour), wavBytes(2000, 2), a, ag),
	}
	bob = []call{newCall(day.Add(3*time.Hour), wavBytes(1000, 3), b, ag)}
	for _, c := range append(slices.Clone(alice), bob...) {
		seed(t, st, c)
	}
	return alice, bob
}

func TestEraseDeletesTheSubjectsCallsAndNothingElse(t *testing.T) {
	st := localStore(t)
	events := &sink{}
	nodes := &discards{live: 1}
	svc := newService(t, st, events, nodes)
	alice, bob := people(t, st)
	aliceKey := keyOf(t, subject.TypeTel, aliceNumber)
	agentKey := keyOf(t, subject.TypeAgent, agentUser)

	// A national spelling with the default region DK: the same subject.
	res, err := svc.Erase(t.Context(), Request{RequestID: "erase-1", Subject: subject.Subject{Type: subject.TypeTel, Value: "12 34 56 78"}, RequestedBy: "dpo"})
	if err != nil {
		t.Fatal(err)
	}
	want := EraseResult{RequestID: "erase-1", Status: StatusCompleted, Scope: ScopeSubject, EraseCounts: EraseCounts{RecordingsDeleted: 2, ReceiptsDeleted: 3,
		IndexEntriesDeleted: 6, LiveRecordingsDiscarded: 1, VersionsRemoved: 13}, SubjectType: "tel", SubjectKey: aliceKey, RequestedBy: "dpo"}
	res.CompletedAt = time.Time{}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("result %+v\nwant   %+v", res, want)
	}
	if !slices.Equal(nodes.keys, []string{aliceKey}) {
		t.Errorf("nodes asked to discard %v, want alice's key", nodes.keys)
	}
	if left := keys(t, st, storage.IndexPrefix(aliceKey)); len(left) != 0 {
		t.Errorf("alice's index still lists %v", left)
	}
	for _, c := range alice {
		for _, k := range []string{c.receiptKey(), c.recordingKey(), c.metaKey(), storage.IndexKey(agentKey, c.id)} {
			if exists(t, st, k) {
				t.Errorf("%s survived the erase", k)
			}
		}
	}
	for _, k := range []string{bob[0].receiptKey(), bob[0].recordingKey(), bob[0].metaKey(), storage.IndexKey(agentKey, bob[0].id)} {
		if !exists(t, st, k) {
			t.Errorf("bob's %s was deleted", k)
		}
	}
	if got := events.kinds(audit.KindRecordingDeleted); len(got) != 2 {
		t.Errorf("%d recording.deleted events, want 2", len(got))
	}
	erased := events.kinds(audit.KindSubjectErased)
	if len(erased) != 1 || !erased[0].sync {
		t.Fatalf("subject.erased events %+v, want one, published synchronously", erased)
	}
	for _, e := range events.events {
		for _, raw := range []string{aliceNumber, "4512345678", "12 34 56 78"} {
			if strings.Contains(string(e.payload), raw) {
				t.Errorf("%s event holds the raw number: %s", e.kind, e.payload)
			}
		}
	}
}

func TestRepeatedEraseReturnsTheFirstResultAndDeletesNothingMore(t *testing.T) {
	st := localStore(t)
	svc := newService(t, st, &sink{}, nil)
	people(t, st)
	req := Request{RequestID: "erase-twice", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}}
	first, err := svc.Erase(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	aliceKey := keyOf(t, subject.TypeTel, aliceNumber)
	later := newCall(time.Now(), wavBytes(100, 9), ref(subject.TypeTel, aliceKey))
	seed(t, st, later)

	again, err := svc.Erase(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, first) {
		t.Fatalf("repeat returned %+v, want the first result %+v", again, first)
	}
	if !exists(t, st, later.recordingKey()) {
		t.Fatal("the repeat deleted a recording made after the first erase")
	}
	fresh, err := svc.Erase(t.Context(), Request{RequestID: "erase-new", Subject: req.Subject})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.RecordingsDeleted != 1 || exists(t, st, later.recordingKey()) {
		t.Fatalf("a new request_id did not erase the later call: %+v", fresh)
	}
}

func TestRequestIDReusedForAnotherRequestIsRejected(t *testing.T) {
	st := localStore(t)
	svc := newService(t, st, &sink{}, nil)
	_, bob := people(t, st)
	if _, err := svc.Erase(t.Context(), Request{RequestID: "r1", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}}); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func() error{
		"other subject": func() error {
			_, err := svc.Erase(t.Context(), Request{RequestID: "r1", Subject: subject.Subject{Type: subject.TypeTel, Value: bobNumber}})
			return err
		},
		"other verb": func() error {
			_, err := svc.Export(t.Context(), Request{RequestID: "r1", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}})
			return err
		},
	}
	for name, do := range cases {
		if err := do(); !errors.Is(err, ErrRejected) {
			t.Errorf("%s: %v, want ErrRejected", name, err)
		}
	}
	if !exists(t, st, bob[0].recordingKey()) {
		t.Fatal("a rejected request deleted bob's recording")
	}
}

func TestInvalidNumberIsRejectedWithoutTouchingTheStore(t *testing.T) {
	st := localStore(t)
	svc := newService(t, st, &sink{}, nil)
	before := keys(t, st, "")
	_, err := svc.Erase(t.Context(), Request{RequestID: "r1", Subject: subject.Subject{Type: subject.TypeTel, Value: "not-a-number"}})
	if !errors.Is(err, ErrRejected) || strings.Contains(err.Error(), "not-a-number") {
		t.Fatalf("err = %v, want a rejection that does not echo the value", err)
	}
	if after := keys(t, st, ""); !slices.Equal(before, after) {
		t.Fatalf("store changed: %v -> %v", before, after)
	}
}

// failingDeletes fails every Delete after the first n, like a store that goes away in the
// middle of an erase.
type failingDeletes struct {
	storage.Store
	left atomic.Int64
}

var errStoreDown = errors.New("store down")

func (f *failingDeletes) Delete(ctx context.Context, key string) error {
	if f.left.Add(-1) < 0 {
		return errStoreDown
	}
	return f.Store.Delete(ctx, key)
}

func TestEraseRetriedAfterAFailureReportsEverythingItDeleted(t *testing.T) {
	st := localStore(t)
	flaky := &failingDeletes{Store: st}
	flaky.left.Store(4)
	svc := newService(t, flaky, &sink{}, nil)
	people(t, st)
	req := Request{RequestID: "erase-retry", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}}
	if _, err := svc.Erase(t.Context(), req); !errors.Is(err, errStoreDown) {
		t.Fatalf("first attempt: %v, want the store's error", err)
	}
	flaky.left.Store(1 << 30)
	res, err := svc.Erase(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.RecordingsDeleted != 2 || res.ReceiptsDeleted != 3 || res.IndexEntriesDeleted != 6 {
		t.Fatalf("retried erase reports %+v, want the whole of alice's data", res)
	}
}

func TestEraseFailsWhenItsEventCannotBePublished(t *testing.T) {
	st := localStore(t)
	events := &sink{fail: errors.New("nats down")}
	svc := newService(t, st, events, nil)
	people(t, st)
	req := Request{RequestID: "erase-ev", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}}
	if _, err := svc.Erase(t.Context(), req); err == nil {
		t.Fatal("erase succeeded without its audit event")
	}
	events.mu.Lock()
	events.fail = nil
	events.mu.Unlock()
	res, err := svc.Erase(t.Context(), req)
	if err != nil || res.RecordingsDeleted != 2 {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	if n := len(events.kinds(audit.KindSubjectErased)); n != 1 {
		t.Fatalf("%d subject.erased events after the retry, want 1", n)
	}
}

func TestEraseDeletesForeignObjectsUnderTheSubjectPrefix(t *testing.T) {
	st := localStore(t)
	svc := newService(t, st, &sink{}, nil)
	aliceKey := keyOf(t, subject.TypeTel, aliceNumber)
	for _, k := range []string{storage.IndexPrefix(aliceKey) + "broken.json", storage.IndexPrefix(aliceKey) + "notes/x.txt"} {
		if err := st.Put(t.Context(), k, strings.NewReader("{"), 1, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// An entry naming a key outside the call data must not steer the erase there.
	putJSON(t, st, "elsewhere/keep.json", map[string]string{})
	putJSON(t, st, storage.IndexKey(aliceKey, "01FORGED"), map[string]string{"subject_key": aliceKey, "id": "01FORGED", "receipt": "elsewhere/keep.json"})
	if _, err := svc.Erase(t.Context(), Request{RequestID: "r", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}}); err != nil {
		t.Fatal(err)
	}
	if left := keys(t, st, storage.IndexPrefix(aliceKey)); len(left) != 0 {
		t.Fatalf("left under the prefix: %v", left)
	}
	if !exists(t, st, "elsewhere/keep.json") {
		t.Fatal("a forged index entry steered the erase outside the call data")
	}
}

func TestRecordsHoldNoRawNumber(t *testing.T) {
	st := localStore(t)
	svc := newService(t, st, &sink{}, nil)
	people(t, st)
	if _, err := svc.Erase(t.Context(), Request{RequestID: "r", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys(t, st, recordPrefix) {
		rc, _, err := st.Get(t.Context(), k)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		var r record
		if err := json.Unmarshal(b, &r); err != nil || r.Status != StatusCompleted || r.Plan != nil {
			t.Errorf("record %s: %s (%v)", k, b, err)
		}
		if strings.Contains(string(b), "4512345678") {
			t.Errorf("record %s holds the raw number", k)
		}
	}
}
