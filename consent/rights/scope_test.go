package rights

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/index"
)

func TestEraseOfRecordingsKeepsTheReceipts(t *testing.T) {
	st := localStore(t)
	events := &sink{}
	nodes := &discards{}
	svc := newService(t, st, events, nodes)
	alice, bob := people(t, st)
	aliceKey := keyOf(t, subject.TypeTel, aliceNumber)
	agentKey := keyOf(t, subject.TypeAgent, agentUser)

	req := telRequest("rec-1", aliceNumber)
	req.Scope = ScopeRecordings
	res, err := svc.Erase(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusCompleted || res.Scope != ScopeRecordings || res.RecordingsDeleted != 2 || res.ReceiptsDeleted != 0 ||
		res.IndexEntriesDeleted != 0 || res.IndexEntriesUpdated != 4 {
		t.Fatalf("result %+v", res)
	}
	if len(nodes.targets) != 1 || nodes.targets[0].Scope != ScopeRecordings || nodes.targets[0].SubjectKey != aliceKey {
		t.Errorf("nodes asked to discard %+v", nodes.targets)
	}
	for _, c := range alice {
		if exists(t, st, c.recordingKey()) || exists(t, st, c.metaKey()) {
			t.Errorf("%s's recording survived", c.id)
		}
		if !exists(t, st, c.receiptKey()) {
			t.Errorf("%s's receipt was deleted", c.id)
		}
		for _, key := range []string{aliceKey, agentKey} {
			entries, err := index.Lookup(t.Context(), st, key)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.ID == c.id && (e.Recording != "" || e.RecordingMeta != "") {
					t.Errorf("index entry of %s still names the recording: %+v", c.id, e)
				}
			}
		}
	}
	if !exists(t, st, bob[0].recordingKey()) {
		t.Error("bob's recording was deleted")
	}
	if got := events.kinds(audit.KindRecordingsErased); len(got) != 1 {
		t.Errorf("%d recordings.erased events, want 1", len(got))
	}
	exp, err := svc.Export(t.Context(), telRequest("rec-export", aliceNumber))
	if err != nil || exp.Recordings != 0 || exp.Receipts != 3 {
		t.Fatalf("export after the erase of recordings: %+v, %v", exp, err)
	}
}

func TestEraseOfOneCallWhoeverAsks(t *testing.T) {
	st := localStore(t)
	events := &sink{}
	nodes := &discards{}
	svc := newService(t, st, events, nodes)
	alice, bob := people(t, st)
	agentKey := keyOf(t, subject.TypeAgent, agentUser)
	target := alice[2]

	// The call is named by its recording's key, as a CRM would have it.
	req, err := Decode(VerbErase, []byte(`{"request_id":"call-1","scope":"call","call":"`+target.recordingKey()+`","requested_by":"crm"}`))
	if err != nil || req.Call != target.id {
		t.Fatalf("Decode = %+v, %v", req, err)
	}
	res, err := svc.Erase(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusCompleted || res.Call != target.id || res.RecordingsDeleted != 1 || res.ReceiptsDeleted != 1 ||
		res.IndexEntriesDeleted != 2 || len(res.Subjects) != 2 || res.SubjectKey != "" {
		t.Fatalf("result %+v", res)
	}
	if len(nodes.targets) != 1 || nodes.targets[0].Call != target.id {
		t.Errorf("nodes asked to discard %+v", nodes.targets)
	}
	for _, k := range []string{target.receiptKey(), target.recordingKey(), target.metaKey(), storage.IndexKey(agentKey, target.id)} {
		if exists(t, st, k) {
			t.Errorf("%s survived", k)
		}
	}
	for _, c := range append(slices.Clone(alice[:2]), bob...) {
		if !exists(t, st, c.receiptKey()) {
			t.Errorf("another call's receipt %s was deleted", c.id)
		}
	}
	if got := events.kinds(audit.KindCallErased); len(got) != 1 {
		t.Errorf("%d call.erased events, want 1", len(got))
	}
}

func TestErasedReceiptsStayAsAnonymousTombstones(t *testing.T) {
	st := localStore(t)
	flaky := &failingDeletes{Store: st}
	flaky.left.Store(3)
	svc := newServiceWith(t, flaky, &sink{}, nil, func(o *Options) { o.Erase.Keeps = KeepStatistics })
	alice, _ := people(t, st)
	req := telRequest("anon-1", aliceNumber)
	// A first attempt dies mid-way: the retry must not count a receipt twice.
	if _, err := svc.Erase(t.Context(), req); err == nil {
		t.Fatal("the first attempt did not fail")
	}
	flaky.left.Store(1 << 30)
	res, err := svc.Erase(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.ReceiptsDeleted != 3 || res.ReceiptsAnonymized != 3 {
		t.Fatalf("result %+v, want 3 receipts deleted and anonymized", res)
	}
	stones := keys(t, st, AnonymizedPrefix)
	if len(stones) != 3 {
		t.Fatalf("tombstones %v, want 3", stones)
	}
	aliceKey := keyOf(t, subject.TypeTel, aliceNumber)
	for _, k := range stones {
		body := string(readAll(t, mustGet(t, st, k)))
		for _, c := range alice {
			for _, linking := range []string{c.id, "call-" + c.id, aliceKey, keyOf(t, subject.TypeAgent, agentUser), "test-node"} {
				if strings.Contains(k+body, linking) {
					t.Errorf("tombstone %s holds %q: %s", k, linking, body)
				}
			}
		}
		var tb tombstoneBody
		if err := json.Unmarshal([]byte(body), &tb); err != nil || tb.Format != TombstoneFormat || tb.Route != "default" ||
			tb.StartedHour.Minute() != 0 || tb.Decision == "" {
			t.Errorf("tombstone %s: %+v, %v", k, tb, err)
		}
	}
	stats, err := svc.Stats(t.Context(), Request{RequestID: "stats-1", From: alice[0].at.Truncate(24 * 60 * 60 * 1e9), To: alice[2].at})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Receipts != 1 || stats.Anonymized != 3 {
		t.Fatalf("stats %+v, want bob's live receipt and alice's 3 tombstones", stats)
	}
	total := 0
	for _, r := range stats.Rows {
		total += r.Count
		if r.Route != "default" || r.Method != "rfc4733" {
			t.Errorf("row %+v", r)
		}
	}
	if total != 4 {
		t.Errorf("rows count %d calls, want 4: %+v", total, stats.Rows)
	}
}
