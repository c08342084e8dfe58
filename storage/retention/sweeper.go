// Package retention applies storage.retention to a store that has no expiry of its own
// (the local directory): it deletes recordings, receipts and their index entries once
// they are older than the retention period. S3 buckets get a lifecycle rule instead, so
// the store expires objects itself (storage/s3).
package retention

import (
	"context"
	"log/slog"
	"time"

	"github.com/consentgw/consentgw/storage"
)

// Prefixes are the objects retention applies to: the call data, not export bundles
// (those have their own expiry).
var Prefixes = []string{"recordings/", "consent/", "subjects/"}

// Sweeper deletes objects older than MaxAge under Prefixes every Interval.
type Sweeper struct {
	Store    storage.Store
	MaxAge   time.Duration
	Interval time.Duration
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Run sweeps until ctx ends. It sweeps once at start, so a gateway that was down for a
// while catches up at once.
func (s *Sweeper) Run(ctx context.Context) {
	tick := time.NewTicker(s.Interval)
	defer tick.Stop()
	for {
		if n, err := s.Sweep(ctx); err != nil {
			s.Logger.Error("retention sweep failed", "error", err)
		} else if n > 0 {
			s.Logger.Info("retention sweep deleted expired objects", "objects", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Sweep deletes what expired now and returns how many objects it deleted.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	cutoff := now().Add(-s.MaxAge)
	n := 0
	for _, prefix := range Prefixes {
		objs, err := s.Store.List(ctx, prefix)
		if err != nil {
			return n, err
		}
		for _, o := range objs {
			if !o.Modified.Before(cutoff) {
				continue
			}
			if err := s.Store.Delete(ctx, o.Key); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
