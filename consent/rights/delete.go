package rights

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/index"
)

// deletePlan deletes what the plan found, for scope, and returns how many object
// versions went. Per call the recording goes before the receipt and the receipt before
// the index entries, so an erase cut short finds the call again through them.
func (s *Service) deletePlan(ctx context.Context, p *plan, scope Scope) (int, error) {
	var versions atomic.Int64
	erase := func(ctx context.Context, key string) error {
		if key == "" {
			return nil
		}
		n, err := storage.Erase(ctx, s.o.Store, key)
		if err != nil {
			return fmt.Errorf("erasing: %w", err)
		}
		versions.Add(int64(n))
		return nil
	}
	ids := p.ids()
	err := s.parallel(ctx, len(ids), func(ctx context.Context, i int) error {
		c := p.Calls[ids[i]]
		for _, k := range []string{c.Recording, c.Metadata} {
			if err := erase(ctx, k); err != nil {
				return err
			}
		}
		if scope == ScopeRecordings {
			return s.unlinkRecording(ctx, c.Index)
		}
		if err := erase(ctx, c.Receipt); err != nil {
			return err
		}
		if c.Tombstone != nil {
			if err := s.putJSON(ctx, c.Tombstone.Key, c.Tombstone.Value); err != nil {
				return fmt.Errorf("keeping the erased receipt's statistics: %w", err)
			}
		}
		for _, k := range c.Index {
			if err := erase(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return int(versions.Load()), err
	}
	rest := append(append([]string(nil), p.Exports...), p.Other...)
	err = s.parallel(ctx, len(rest), func(ctx context.Context, i int) error {
		return erase(ctx, rest[i])
	})
	return int(versions.Load()), err
}

// unlinkRecording rewrites a call's index entries without its recording, once the
// recording is erased and the receipt stays (scope recordings): an export or lookup no
// longer looks for it, and the receipt still names the subjects.
func (s *Service) unlinkRecording(ctx context.Context, entries []string) error {
	for _, key := range entries {
		var e index.Entry
		err := s.getJSON(ctx, key, &e)
		if errors.Is(err, storage.ErrNotFound) || errors.As(err, new(*json.SyntaxError)) {
			continue
		}
		if err != nil {
			return fmt.Errorf("erasing recordings: %w", err)
		}
		if (e.Recording == "" && e.RecordingMeta == "") || e.Key() != key {
			continue // nothing to unlink, or an entry that does not live where it says
		}
		e.Recording, e.RecordingMeta = "", ""
		if err := index.Put(ctx, s.o.Store, e); err != nil {
			return fmt.Errorf("erasing recordings: %w", err)
		}
	}
	return nil
}

func (s *Service) putJSON(ctx context.Context, key string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.o.Store.Put(ctx, key, bytes.NewReader(body), int64(len(body)), storage.PutOptions{ContentType: "application/json"})
}
