package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/hold"
	"github.com/consentgw/consentgw/storage"
)

// Lifecycle is a store that expires objects itself (an S3 bucket's lifecycle rules).
type Lifecycle interface {
	SetRetention(ctx context.Context, d time.Duration) error
}

// EventSink receives the retention.expired event of a sweep that deleted calls.
type EventSink interface {
	Emit(kind string, payload any)
}

// KindExpired is the event of a sweep that deleted calls (audit.KindRetentionExpired).
const KindExpired = "retention.expired"

// Sweeper applies Rules: it expires each call (recording, metadata, receipt, index
// entries of its parties) once the rule that matches its route and caller region says
// so, unless a legal hold covers it, and keeps a Lifecycle store's bucket rule in step.
type Sweeper struct {
	Store    storage.Store
	Rules    Rules
	Interval time.Duration
	Logger   *slog.Logger
	Events   EventSink // nil: none
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Report is what one sweep expired, or would expire (a dry run).
type Report struct {
	At     time.Time `json:"at"`
	DryRun bool      `json:"dry_run"`
	// Bucket is the period of the bucket lifecycle rule in force after the sweep (0:
	// none: no rule expresses the rules, or a hold is in force).
	Bucket time.Duration `json:"bucket_rule"`
	// Calls expired, or would expire; Held are due but kept by a hold.
	Calls []Expired `json:"calls"`
	Held  []Expired `json:"held"`
	// Orphans are objects of no readable receipt older than the bucket period.
	Orphans []string `json:"orphans"`
	// Objects counts the keys deleted (or that would be).
	Objects int `json:"objects"`
}

// Expired is one call that is due.
type Expired struct {
	ID        string        `json:"id"`
	Route     string        `json:"route"`
	Region    string        `json:"region"`
	Rule      string        `json:"rule"`
	Keep      time.Duration `json:"keep"`
	StartedAt time.Time     `json:"started_at"`
	Keys      []string      `json:"keys"`
	Holds     []string      `json:"holds,omitempty"`
}

// Interval is how often a sweeper should run for rules: a tenth of the shortest period,
// from a minute to an hour.
func Interval(rules Rules) time.Duration {
	if d := rules.Shortest(); d > 0 {
		return min(max(d/10, time.Minute), time.Hour)
	}
	return time.Hour
}

// Run sweeps until ctx ends. It sweeps once at start, so a gateway that was down for a
// while catches up at once; a sweep that fails (the store is not reachable yet) is tried
// again soon, from a second up to Interval.
func (s *Sweeper) Run(ctx context.Context) {
	retry := time.Second
	for {
		wait := s.Interval
		r, err := s.Sweep(ctx, false)
		switch {
		case err != nil && ctx.Err() == nil:
			s.Logger.Error("retention sweep failed; trying again", "in", min(retry, wait), "error", err)
			wait, retry = min(retry, wait), min(2*retry, wait)
		case len(r.Calls) > 0 || len(r.Orphans) > 0:
			s.Logger.Info("retention sweep expired calls", "calls", len(r.Calls), "objects", r.Objects, "held", len(r.Held))
		}
		if err == nil {
			retry = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (s *Sweeper) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// SyncLifecycle sets the bucket rule for the holds in force now: a hold withdraws it,
// since a bucket rule cannot skip held objects, and the sweeper alone expires calls
// until the last hold is released.
func (s *Sweeper) SyncLifecycle(ctx context.Context) error {
	holds, err := hold.Load(ctx, s.Store)
	if err != nil {
		return err
	}
	_, err = s.syncLifecycle(ctx, holds)
	return err
}

func (s *Sweeper) syncLifecycle(ctx context.Context, holds *hold.Set) (time.Duration, error) {
	bucket := s.Rules.Bucket()
	if !holds.Empty() {
		bucket = 0
	}
	lc, ok := s.Store.(Lifecycle)
	if !ok {
		return 0, nil
	}
	if err := lc.SetRetention(ctx, bucket); err != nil {
		return 0, fmt.Errorf("setting the bucket's retention rule: %w", err)
	}
	return bucket, nil
}

// Sweep expires what is due now; with dryRun it only reports what that would be.
func (s *Sweeper) Sweep(ctx context.Context, dryRun bool) (Report, error) {
	r := Report{At: s.now(), DryRun: dryRun, Calls: []Expired{}, Held: []Expired{}, Orphans: []string{}}
	holds, err := hold.Load(ctx, s.Store)
	if err != nil {
		return r, err
	}
	_, isBucket := s.Store.(Lifecycle)
	if !dryRun {
		if r.Bucket, err = s.syncLifecycle(ctx, holds); err != nil {
			return r, err
		}
		if isBucket && r.Bucket > 0 && s.Rules.Exact() {
			return r, nil // the bucket's rule is the whole policy
		}
	}
	if s.Rules.Shortest() == 0 {
		return r, nil
	}
	if err := s.sweepCalls(ctx, holds, &r); err != nil {
		return r, err
	}
	if err := s.sweepOrphans(ctx, holds, &r); err != nil {
		return r, err
	}
	if !dryRun && len(r.Calls)+len(r.Orphans) > 0 && s.Events != nil {
		byRule := map[string]int{}
		for _, c := range r.Calls {
			byRule[c.Rule]++
		}
		s.Events.Emit(KindExpired, map[string]any{"at": r.At, "calls": len(r.Calls), "objects": r.Objects,
			"orphans": len(r.Orphans), "held": len(r.Held), "by_rule": byRule})
	}
	return r, nil
}

// sweepCalls visits the receipts of every day that may hold a due call and expires the
// calls whose rule says so.
func (s *Sweeper) sweepCalls(ctx context.Context, holds *hold.Set, r *Report) error {
	objs, err := s.Store.List(ctx, "consent/")
	if err != nil {
		return fmt.Errorf("listing receipts: %w", err)
	}
	shortest := s.Rules.Shortest()
	for _, o := range objs {
		day, ok := keyDay(o.Key, "consent/")
		if !ok || day.Add(24*time.Hour+shortest).After(r.At) {
			continue // nothing of that day is due under any rule
		}
		var rc consent.Receipt
		err := storage.GetJSON(ctx, s.Store, o.Key, 4<<20, &rc)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			s.Logger.Warn("retention: an unreadable receipt is left to the orphan sweep", "key", o.Key, "error", err)
			continue
		}
		rule, ok := s.Rules.Match(rc.Route, rc.Policy.Region)
		if !ok || rule.Keep == 0 || rc.StartedAt.Add(rule.Keep).After(r.At) {
			continue
		}
		e := Expired{ID: rc.ID, Route: rc.Route, Region: rc.Policy.Region, Rule: rule.Name, Keep: rule.Keep, StartedAt: rc.StartedAt.UTC(), Keys: callKeys(o.Key, rc)}
		if hs := holds.Call(rc.ID, consent.SubjectKeys(rc.Subjects)); len(hs) > 0 {
			for _, h := range hs {
				e.Holds = append(e.Holds, h.ID)
			}
			r.Held = append(r.Held, e)
			continue
		}
		if err := s.delete(ctx, e.Keys, r); err != nil {
			return err
		}
		r.Calls = append(r.Calls, e)
	}
	return nil
}

// callKeys are a call's objects in the order they go: the receipt outlives its
// recording, the index entries outlive the receipt, so a sweep cut short finds the call
// again.
func callKeys(receiptKey string, r consent.Receipt) []string {
	var keys []string
	if r.Recording != nil && strings.HasPrefix(*r.Recording, "recordings/") {
		keys = append(keys, *r.Recording, strings.TrimSuffix(*r.Recording, path.Ext(*r.Recording))+".json")
	}
	keys = append(keys, receiptKey)
	for _, sub := range r.Subjects {
		if storage.ValidSegment(sub.Key) == nil && storage.ValidSegment(r.ID) == nil {
			keys = append(keys, storage.IndexKey(sub.Key, r.ID))
		}
	}
	return keys
}

func (s *Sweeper) delete(ctx context.Context, keys []string, r *Report) error {
	r.Objects += len(keys)
	if r.DryRun {
		return nil
	}
	for _, k := range keys {
		if err := s.Store.Delete(ctx, k); err != nil {
			return fmt.Errorf("expiring %s: %w", k, err)
		}
	}
	return nil
}

// sweepOrphans deletes what no readable receipt accounts for (a crash between the
// objects of a call, an unreadable receipt) once it is older than every rule's period:
// what a bucket rule would do, and only when one could (every call matches a finite
// rule). Held calls' objects stay.
func (s *Sweeper) sweepOrphans(ctx context.Context, holds *hold.Set, r *Report) error {
	longest := s.Rules.Bucket()
	if longest == 0 {
		return nil
	}
	cutoff := r.At.Add(-longest)
	seen := map[string]bool{}
	for _, c := range slices.Concat(r.Calls, r.Held) {
		for _, k := range c.Keys {
			seen[k] = true
		}
	}
	for _, prefix := range []string{"recordings/", "consent/", "subjects/"} {
		objs, err := s.Store.List(ctx, prefix)
		if err != nil {
			return fmt.Errorf("listing %s: %w", prefix, err)
		}
		for _, o := range objs {
			if !o.Modified.Before(cutoff) || seen[o.Key] {
				continue
			}
			id := strings.TrimSuffix(path.Base(o.Key), path.Ext(o.Key))
			var subjects []string
			if prefix == "subjects/" {
				subjects = []string{strings.Split(o.Key, "/")[1]}
			}
			if len(holds.Call(id, subjects)) > 0 || (prefix != "subjects/" && !holds.Empty() && s.subjectHeld(ctx, holds, o.Key)) {
				continue
			}
			r.Orphans = append(r.Orphans, o.Key)
			if err := s.delete(ctx, []string{o.Key}, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// subjectHeld reads who a recording or receipt belongs to (the recording's metadata,
// or the receipt) and reports whether a hold covers one of them; an object that says
// nothing readable is kept while any hold is in force.
func (s *Sweeper) subjectHeld(ctx context.Context, holds *hold.Set, key string) bool {
	var v struct {
		ID       string               `json:"id"`
		Subjects []consent.SubjectRef `json:"subjects"`
	}
	meta := strings.TrimSuffix(key, path.Ext(key)) + ".json"
	if err := storage.GetJSON(ctx, s.Store, meta, 4<<20, &v); err != nil {
		return len(holds.All) > 0
	}
	return len(holds.Call(v.ID, consent.SubjectKeys(v.Subjects))) > 0
}

// keyDay reads the UTC day of a dated key (prefix/YYYY/MM/DD/...).
func keyDay(key, prefix string) (time.Time, bool) {
	rest := strings.TrimPrefix(key, prefix)
	if len(rest) < len("2006/01/02/") {
		return time.Time{}, false
	}
	t, err := time.Parse("2006/01/02", rest[:10])
	return t, err == nil
}
