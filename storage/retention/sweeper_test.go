package retention

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/hold"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/local"
)

type events struct{ kinds []string }

func (e *events) Emit(kind string, _ any) { e.kinds = append(e.kinds, kind) }

// seedCall stores a recorded call as the archive lays it out.
func seedCall(t *testing.T, st storage.Store, at time.Time, route, region, subjectKey string) consent.Receipt {
	t.Helper()
	id := consent.NewIDSource().New(at)
	rec := storage.RecordingKey(at, id)
	r := consent.Receipt{ID: id, Route: route, StartedAt: at, DecidedAt: at, Decision: consent.DecisionGranted,
		Method: consent.MethodRFC4733, Digit: "1", Recording: &rec, Policy: consent.PolicyInfo{Region: region},
		Subjects: []consent.SubjectRef{{Type: "tel", Key: subjectKey}}}
	put := func(key string, v any) {
		b, _ := json.Marshal(v)
		if err := st.Put(t.Context(), key, bytes.NewReader(b), int64(len(b)), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put(rec, "RIFF")
	put(storage.RecordingMetaKey(at, id), map[string]any{"id": id, "subjects": r.Subjects})
	put(storage.ReceiptKey(at, id), r)
	put(storage.IndexKey(subjectKey, id), map[string]string{"id": id})
	return r
}

func TestSweepExpiresByRouteAndRegionAndSkipsHolds(t *testing.T) {
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	old := now.Add(-40 * day)
	dk := seedCall(t, st, old, "default", "DK", strings.Repeat("a", 64))
	us := seedCall(t, st, old, "default", "US", strings.Repeat("b", 64))
	sales := seedCall(t, st, old, "sales", "DK", strings.Repeat("c", 64))
	held := seedCall(t, st, old, "default", "DK", strings.Repeat("d", 64))
	fresh := seedCall(t, st, now.Add(-time.Hour), "default", "DK", strings.Repeat("e", 64))
	if err := st.Put(t.Context(), "exports/R.zip", strings.NewReader("x"), 1, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := hold.Put(t.Context(), st, hold.Hold{ID: "case-1", Target: hold.Target{Kind: hold.OnSubject, SubjectKey: strings.Repeat("d", 64)}, Reason: "claim"}); err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	s := &Sweeper{Store: st, Logger: slog.New(slog.DiscardHandler), Events: ev, Rules: Rules{
		{Name: "storage.retention", Keep: 30 * day},
		{Name: "retention[0]", Region: "US", Keep: 90 * day},
		{Name: "retention[1]", Route: "sales", Keep: 365 * day},
	}}
	before := keys(t, st)

	dry, err := s.Sweep(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(dry.Calls); !slices.Equal(got, []string{dk.ID}) || len(dry.Held) != 1 || dry.Held[0].ID != held.ID || dry.Objects != 4 {
		t.Fatalf("dry run: calls %v, held %+v, objects %d", got, dry.Held, dry.Objects)
	}
	if after := keys(t, st); !slices.Equal(before, after) {
		t.Fatal("a dry run deleted objects")
	}

	r, err := s.Sweep(t.Context(), false)
	if err != nil || !slices.Equal(ids(r.Calls), []string{dk.ID}) || r.DryRun {
		t.Fatalf("sweep: %+v, %v", r, err)
	}
	for _, k := range dry.Calls[0].Keys {
		if exists(t, st, k) {
			t.Errorf("%s survived its expiry", k)
		}
	}
	for _, c := range []consent.Receipt{us, sales, held, fresh} {
		if !exists(t, st, storage.ReceiptKey(c.StartedAt, c.ID)) || !exists(t, st, *c.Recording) {
			t.Errorf("call %s (%s, %s) was expired", c.ID, c.Route, c.Policy.Region)
		}
	}
	if !exists(t, st, "exports/R.zip") || !slices.Equal(ev.kinds, []string{KindExpired}) {
		t.Fatalf("export bundle or events: %v", ev.kinds)
	}

	// 60 days on, 100 days after the old calls: the US rule is over, and so is the
	// fresh call's; the sales rule and the hold still keep theirs.
	s.Now = func() time.Time { return now.Add(60 * day) }
	want := []string{us.ID, fresh.ID}
	slices.Sort(want)
	if r, err = s.Sweep(t.Context(), false); err != nil || !slices.Equal(ids(r.Calls), want) || len(r.Held) != 1 {
		t.Fatalf("sweep 60 days later: %+v, %v", r, err)
	}
}

// A store with a bucket rule: the rule is set to the longest period, withdrawn while a
// hold is in force, and alone does the work when every call is kept as long.
type bucketStore struct {
	storage.Store
	set []time.Duration
}

func (b *bucketStore) SetRetention(_ context.Context, d time.Duration) error {
	b.set = append(b.set, d)
	return nil
}

func TestTheBucketRuleFollowsTheRulesAndTheHolds(t *testing.T) {
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &bucketStore{Store: st}
	s := &Sweeper{Store: b, Logger: slog.New(slog.DiscardHandler), Rules: Rules{{Keep: 30 * day}, {Route: "sales", Keep: 90 * day}}}
	if _, err := s.Sweep(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	if err := hold.Put(t.Context(), st, hold.Hold{ID: "h", Target: hold.Target{Kind: hold.OnCall, Call: "X"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncLifecycle(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.set, []time.Duration{90 * day, 0}) {
		t.Fatalf("bucket rules set %v, want the longest period, then none while held", b.set)
	}
}

func ids(calls []Expired) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

func keys(t *testing.T, st storage.Store) []string {
	t.Helper()
	objs, err := st.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

func exists(t *testing.T, st storage.Store, key string) bool {
	t.Helper()
	_, err := st.Stat(context.Background(), key)
	return err == nil
}

// Objects no receipt accounts for go once every rule's period is over, unless held.
func TestOrphansOlderThanEveryRuleGo(t *testing.T) {
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, k := range []string{"recordings/2026/01/01/01ORPHAN.wav", "recordings/2026/01/01/01HELD.wav", "subjects/" + strings.Repeat("f", 64) + "/01GONE.json"} {
		if err := st.Put(t.Context(), k, strings.NewReader("x"), 1, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := hold.Put(t.Context(), st, hold.Hold{ID: "h", Target: hold.Target{Kind: hold.OnCall, Call: "01HELD"}}); err != nil {
		t.Fatal(err)
	}
	s := &Sweeper{Store: st, Logger: slog.New(slog.DiscardHandler), Rules: Rules{{Keep: 30 * day}},
		Now: func() time.Time { return time.Now().Add(31 * day) }}
	// While a hold is in force, a recording that does not say whose it is stays too.
	r, err := s.Sweep(t.Context(), false)
	if err != nil || len(r.Orphans) != 1 || !strings.HasPrefix(r.Orphans[0], "subjects/") {
		t.Fatalf("sweep: orphans %v, %v", r.Orphans, err)
	}
	if !exists(t, st, "recordings/2026/01/01/01HELD.wav") || !exists(t, st, "recordings/2026/01/01/01ORPHAN.wav") {
		t.Fatal("a recording went while a hold was in force")
	}
	if err := st.Delete(t.Context(), hold.Key("h")); err != nil {
		t.Fatal(err)
	}
	if r, err = s.Sweep(t.Context(), false); err != nil || len(r.Orphans) != 2 {
		t.Fatalf("sweep after the release: orphans %v, %v", r.Orphans, err)
	}
}
