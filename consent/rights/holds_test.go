package rights

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
)

func testSigner(t testing.TB) *signing.Key {
	t.Helper()
	k, err := signing.NewKey(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestHeldCallsAreNeitherErasedNorForgotten(t *testing.T) {
	st := localStore(t)
	events := &sink{}
	changed := 0
	svc := newServiceWith(t, st, events, nil, func(o *Options) {
		o.Signer = testSigner(t)
		o.HoldsChanged = func() { changed++ }
	})
	alice, bob := people(t, st)
	aliceKey := keyOf(t, subject.TypeTel, aliceNumber)
	held := alice[0]

	if _, err := svc.Hold(t.Context(), Request{RequestID: "case-7", Call: "01JN0Z3Q8M5T7V9X1B3D5F7H9K", Reason: "x"}); !errors.Is(err, ErrRejected) {
		t.Fatalf("hold on a call that is not stored: %v, want a rejection", err)
	}
	h, err := svc.Hold(t.Context(), Request{RequestID: "case-8", Call: held.id, Reason: "claim 2026/114", RequestedBy: "legal"})
	if err != nil || h.Hold.Call != held.id || h.Hold.Reason != "claim 2026/114" || changed != 1 {
		t.Fatalf("hold = %+v, %v (holds changed %d times)", h, err, changed)
	}
	list, err := svc.Holds(t.Context(), Request{RequestID: "list-1"})
	if err != nil || len(list.Holds) != 1 || list.Holds[0].ID != "case-8" {
		t.Fatalf("holds = %+v, %v", list, err)
	}

	res, err := svc.Erase(t.Context(), telRequest("erase-held", aliceNumber))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusPartial || res.RecordingsDeleted != 1 || res.ReceiptsDeleted != 2 ||
		!slices.Equal(res.Held, []HeldItem{{Call: held.id, Hold: "case-8", On: "call", Reason: "claim 2026/114"}}) {
		t.Fatalf("erase with a held call: %+v", res)
	}
	for _, k := range []string{held.receiptKey(), held.recordingKey(), storage.IndexKey(aliceKey, held.id)} {
		if !exists(t, st, k) {
			t.Errorf("held %s was erased", k)
		}
	}
	for _, c := range alice[1:] {
		if exists(t, st, c.receiptKey()) {
			t.Errorf("unheld %s survived", c.receiptKey())
		}
	}
	cert, _, err := VerifyCertificate(readAll(t, mustGet(t, st, res.Certificate)), signing.KeySet{testSigner(t).Public()})
	if err != nil || cert.Status != StatusPartial || len(cert.Held) != 1 || slices.Contains(cert.ObjectsDeleted, held.receiptKey()) {
		t.Fatalf("certificate of a partial erase: %+v, %v", cert, err)
	}

	// A hold on the subject keeps everything of it, exports included.
	if _, err := svc.Hold(t.Context(), Request{RequestID: "case-9", Subject: subject.Subject{Type: subject.TypeTel, Value: bobNumber}, Reason: "dispute"}); err != nil {
		t.Fatal(err)
	}
	res, err = svc.Erase(t.Context(), telRequest("erase-bob", bobNumber))
	if err != nil || res.Status != StatusPartial || res.RecordingsDeleted != 0 || len(res.Held) != 1 || res.Held[0].On != "subject" {
		t.Fatalf("erase of a held subject: %+v, %v", res, err)
	}
	if !exists(t, st, bob[0].recordingKey()) {
		t.Fatal("a held subject's recording was erased")
	}

	// Released, the rest goes with the next erase.
	rel, err := svc.Release(t.Context(), Request{RequestID: "rel-1", Hold: "case-8", Reason: "settled"})
	if err != nil || len(rel.Released) != 1 || rel.Released[0].ID != "case-8" {
		t.Fatalf("release = %+v, %v", rel, err)
	}
	if _, err := svc.Release(t.Context(), Request{RequestID: "rel-2", Hold: "case-8"}); !errors.Is(err, ErrRejected) {
		t.Fatalf("releasing a released hold: %v, want a rejection", err)
	}
	res, err = svc.Erase(t.Context(), telRequest("erase-after", aliceNumber))
	if err != nil || res.Status != StatusCompleted || res.RecordingsDeleted != 1 || exists(t, st, held.recordingKey()) {
		t.Fatalf("erase after the release: %+v, %v", res, err)
	}
	if n := len(events.kinds(audit.KindHoldPlaced)); n != 2 {
		t.Errorf("%d hold.placed events, want 2", n)
	}
	if n := len(events.kinds(audit.KindHoldReleased)); n != 1 {
		t.Errorf("%d hold.released events, want 1", n)
	}
}

func TestDryRunAndTheRecordingLimitDeleteNothing(t *testing.T) {
	st := localStore(t)
	events := &sink{}
	nodes := &discards{}
	svc := newServiceWith(t, st, events, nodes, func(o *Options) { o.Erase.MaxRecordings = 1 })
	alice, _ := people(t, st)
	before := keys(t, st, "")

	dry := telRequest("dry-1", aliceNumber)
	dry.DryRun = true
	res, err := svc.Erase(t.Context(), dry)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusDryRun || res.RecordingsDeleted != 2 || !slices.Contains(res.WouldDelete, alice[0].recordingKey()) || len(res.WouldDelete) != 13 {
		t.Fatalf("dry run %+v", res)
	}
	if n := len(events.kinds(audit.KindErasePreviewed)); n != 1 {
		t.Errorf("%d erase.previewed events, want 1", n)
	}
	if len(nodes.targets) != 0 {
		t.Errorf("a dry run discarded live data: %+v", nodes.targets)
	}

	if _, err := svc.Erase(t.Context(), telRequest("big-1", aliceNumber)); !errors.Is(err, ErrRejected) {
		t.Fatalf("erase of 2 recordings with a limit of 1: %v, want a rejection asking for confirm", err)
	}
	if after := keys(t, st, ""); !slices.Equal(before, slices.DeleteFunc(after, func(k string) bool { return k[:len(recordPrefix)] == recordPrefix })) {
		t.Fatalf("a dry run or a refused erase changed the store")
	}
	confirmed := telRequest("big-1", aliceNumber)
	confirmed.Confirm = true
	if res, err := svc.Erase(t.Context(), confirmed); err != nil || res.RecordingsDeleted != 2 {
		t.Fatalf("the same request confirmed: %+v, %v", res, err)
	}
}

func TestLookupNamesWhatAnEraseWouldDelete(t *testing.T) {
	st := localStore(t)
	events := &sink{}
	svc := newService(t, st, events, nil)
	alice, _ := people(t, st)
	aliceKey := keyOf(t, subject.TypeTel, aliceNumber)
	if _, err := svc.Hold(t.Context(), Request{RequestID: "case-1", Call: alice[1].id, Reason: "complaint"}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Lookup(t.Context(), telRequest("look-1", aliceNumber))
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 3 || res.Receipts != 3 || res.Recordings != 2 || len(res.Keys.Index) != 3 || len(res.Holds) != 1 ||
		!res.FirstCallAt.Equal(alice[0].at.Truncate(1e6)) || res.SubjectKey != aliceKey {
		t.Fatalf("lookup %+v", res)
	}
	for _, k := range res.Keys.Index {
		if k[:len(storage.IndexPrefix(aliceKey))] != storage.IndexPrefix(aliceKey) {
			t.Errorf("lookup names another subject's index entry %s", k)
		}
	}
	if n := len(events.kinds(audit.KindSubjectLookedUp)); n != 1 {
		t.Errorf("%d subject.looked_up events, want 1", n)
	}
}
