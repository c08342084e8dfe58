package rights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/index"
)

// collect lists subjects/<key>/ and reads what each object names. It reads the subject's
// prefix and the objects named there: never a scan of the store.
func (s *Service) collect(ctx context.Context, key string) (*plan, error) {
	prefix := storage.IndexPrefix(key)
	objs, err := s.o.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("listing the subject's index: %w", err)
	}
	p := newPlan()
	var mu sync.Mutex
	err = s.parallel(ctx, len(objs), func(ctx context.Context, i int) error {
		objKey := objs[i].Key
		name := strings.TrimPrefix(objKey, prefix)
		switch {
		case !strings.Contains(name, "/") && path.Ext(name) == ".json":
			id, c, err := s.readCall(ctx, objKey)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || c == nil {
				p.Other = append(p.Other, objKey) // unreadable: deleted all the same
				return err
			}
			p.merge(&plan{Calls: map[string]*planCall{id: c}})
		case strings.HasPrefix(name, exportMarkerDir):
			export, err := s.readMarker(ctx, objKey)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				return err
			}
			if deletable(export, "exports/") {
				p.Exports = append(p.Exports, export)
			}
			p.Other = append(p.Other, objKey)
		default:
			mu.Lock()
			defer mu.Unlock()
			p.Other = append(p.Other, objKey)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Exports = union(p.Exports, nil)
	p.Other = union(p.Other, nil)
	return p, nil
}

// readCall reads one index entry and the receipt it names, for the call's other parties.
// A missing entry (deleted meanwhile) is nil; an undecodable one is an object to delete.
func (s *Service) readCall(ctx context.Context, entryKey string) (string, *planCall, error) {
	var e index.Entry
	switch err := s.getJSON(ctx, entryKey, &e); {
	case errors.Is(err, storage.ErrNotFound):
		return "", nil, nil
	case errors.As(err, new(*json.SyntaxError)), errors.As(err, new(*json.UnmarshalTypeError)):
		return "", nil, nil
	case err != nil:
		return "", nil, err
	}
	c := &planCall{Index: []string{entryKey}}
	if deletable(e.Receipt, "consent/") {
		c.Receipt = e.Receipt
	}
	if deletable(e.Recording, "recordings/") {
		c.Recording = e.Recording
	}
	if deletable(e.RecordingMeta, "recordings/") {
		c.Metadata = e.RecordingMeta
	}
	if storage.ValidSegment(e.ID) != nil {
		return "", nil, nil
	}
	if c.Receipt != "" {
		if err := s.readReceipt(ctx, e.ID, c); err != nil {
			return "", nil, err
		}
	}
	if len(c.Subjects) == 0 && e.SubjectKey != "" {
		c.Subjects = []consent.SubjectRef{{Type: e.SubjectType, Key: e.SubjectKey}}
	}
	return e.ID, c, nil
}

// readReceipt fills in what the call's receipt says: its parties (whose index entries go
// too) and, with erase_keeps: statistics, its tombstone. A receipt that is gone is
// nothing to add.
func (s *Service) readReceipt(ctx context.Context, id string, c *planCall) error {
	var r consent.Receipt
	err := s.getJSON(ctx, c.Receipt, &r)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if errors.As(err, new(*json.SyntaxError)) || errors.As(err, new(*json.UnmarshalTypeError)) || errors.As(err, new(*time.ParseError)) {
		return nil // unreadable: deleted without a tombstone
	}
	if err != nil {
		return err
	}
	c.Subjects = r.Subjects
	for _, sub := range r.Subjects {
		if storage.ValidSegment(sub.Key) == nil {
			c.Index = union(c.Index, []string{storage.IndexKey(sub.Key, id)})
		}
	}
	if s.o.Erase.Keeps == KeepStatistics {
		c.Tombstone = anonymize(r)
	}
	return nil
}

// collectCall finds one call's objects by its id, whose time gives the day of its keys:
// the receipt, and through it the recording and the index entries of its parties.
func (s *Service) collectCall(ctx context.Context, id string) (*plan, error) {
	at, err := consent.IDTime(id)
	if err != nil {
		return nil, reject("call is not a call id")
	}
	p := newPlan()
	c := &planCall{}
	receipt := storage.ReceiptKey(at, id)
	if _, err := s.o.Store.Stat(ctx, receipt); err == nil {
		c.Receipt = receipt
		if err := s.readReceipt(ctx, id, c); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("finding call %s: %w", id, err)
	}
	// The recording is stored before the receipt that names it: look for it by its key.
	for _, k := range []string{storage.RecordingKey(at, id), storage.SealedRecordingKey(at, id), storage.RecordingMetaKey(at, id)} {
		_, err := s.o.Store.Stat(ctx, k)
		switch {
		case err == nil && !strings.HasSuffix(k, ".json"):
			c.Recording = k
		case err == nil:
			c.Metadata = k
		case !errors.Is(err, storage.ErrNotFound):
			return nil, fmt.Errorf("finding call %s: %w", id, err)
		}
	}
	if c.Receipt != "" || c.Recording != "" || c.Metadata != "" {
		p.Calls[id] = c
	}
	return p, nil
}

type exportMarker struct {
	RequestID string `json:"request_id"`
	Export    string `json:"export"`
}

func (s *Service) readMarker(ctx context.Context, key string) (string, error) {
	var m exportMarker
	err := s.getJSON(ctx, key, &m)
	if err != nil && !errors.Is(err, storage.ErrNotFound) && !errors.As(err, new(*json.SyntaxError)) {
		return "", err
	}
	return m.Export, nil
}

// getJSON decodes a small stored JSON object (an index entry, a receipt, metadata).
func (s *Service) getJSON(ctx context.Context, key string, v any) error {
	return storage.GetJSON(ctx, s.o.Store, key, 4<<20, v)
}
