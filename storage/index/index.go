// Package index is the subject index of SPEC §5: for each subject key, one
// small object per call naming the receipt and recording keys that belong
// to the subject, so erase and export find them by listing one prefix
// instead of scanning the bucket.
package index

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/consentgw/consentgw/storage"
)

// Entry links one subject to one call's objects. It holds keys only: the
// subject appears by its pseudonymous key, never by value.
type Entry struct {
	SubjectKey    string    `json:"subject_key"`
	SubjectType   string    `json:"subject_type"`
	ID            string    `json:"id"` // receipt and call id
	Receipt       string    `json:"receipt"`
	Recording     string    `json:"recording,omitempty"`
	RecordingMeta string    `json:"recording_meta,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// Key is where the entry is stored.
func (e Entry) Key() string { return storage.IndexKey(e.SubjectKey, e.ID) }

// Put stores e at storage.IndexKey(e.SubjectKey, e.ID), replacing an
// earlier entry for the same subject and call.
func Put(ctx context.Context, st storage.Store, e Entry) error {
	if err := validate(e); err != nil {
		return fmt.Errorf("storing index entry: %w", err)
	}
	e.CreatedAt = e.CreatedAt.UTC()
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("storing index entry: %w", err)
	}
	if err := st.Put(ctx, e.Key(), bytes.NewReader(body), int64(len(body)),
		storage.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("storing index entry: %w", err)
	}
	return nil
}

// validate keeps an entry from landing outside its subject's prefix: the
// subject key and id must each be one key segment.
func validate(e Entry) error {
	if err := storage.ValidSegment(e.SubjectKey); err != nil {
		return fmt.Errorf("%w: subject key: %w", ErrInvalidEntry, err)
	}
	if err := storage.ValidSegment(e.ID); err != nil {
		return fmt.Errorf("%w: id: %w", ErrInvalidEntry, err)
	}
	if e.Receipt == "" {
		return fmt.Errorf("%w: no receipt key", ErrInvalidEntry)
	}
	return nil
}

// Lookup returns the subject's entries, sorted by id (so by time). It lists
// only subjects/<subjectKey>/. Entries deleted while it runs (a concurrent
// erase) are left out.
func Lookup(ctx context.Context, st storage.Store, subjectKey string) ([]Entry, error) {
	if err := storage.ValidSegment(subjectKey); err != nil {
		return nil, fmt.Errorf("looking up subject: %w", err)
	}
	prefix := storage.IndexPrefix(subjectKey)
	infos, err := st.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("looking up subject %s: %w", subjectKey, err)
	}
	var out []Entry
	for _, info := range infos {
		name := strings.TrimPrefix(info.Key, prefix)
		if strings.Contains(name, "/") || path.Ext(name) != ".json" {
			continue // not an entry of this layout
		}
		e, err := read(ctx, st, info.Key)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("looking up subject %s: %w", subjectKey, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func read(ctx context.Context, st storage.Store, key string) (Entry, error) {
	var e Entry
	err := storage.GetJSON(ctx, st, key, 1<<20, &e)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return Entry{}, fmt.Errorf("decoding %s: %w", key, err)
	}
	return e, err
}
