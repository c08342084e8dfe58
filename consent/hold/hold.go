// Package hold is the legal hold: a subject or a call that must not be erased nor
// expired by retention until the hold is released (a litigation hold). A hold is one
// small object, holds/<id>.json, named by the id of the request that placed it; it
// names its target by pseudonym or call id only.
package hold

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/consentgw/consentgw/storage"
)

// Prefix is where holds are kept.
const Prefix = "holds/"

// Kinds of target.
const (
	OnSubject = "subject"
	OnCall    = "call"
)

// Target is what a hold covers: every call of a subject (past and future), or one call.
type Target struct {
	Kind        string `json:"kind"`
	SubjectType string `json:"subject_type,omitempty"`
	SubjectKey  string `json:"subject_key,omitempty"`
	Call        string `json:"call,omitempty"`
}

// Hold is one legal hold.
type Hold struct {
	ID string `json:"id"`
	Target
	Reason      string    `json:"reason"`
	RequestedBy string    `json:"requested_by,omitempty"`
	PlacedAt    time.Time `json:"placed_at"`
}

// Key is where the hold with id is stored; id is a request_id, one key segment.
func Key(id string) string { return Prefix + id + ".json" }

// Put stores h.
func Put(ctx context.Context, st storage.Store, h Hold) error {
	if err := storage.PutJSON(ctx, st, Key(h.ID), h); err != nil {
		return fmt.Errorf("storing hold %s: %w", h.ID, err)
	}
	return nil
}

// Get reads the hold with id; a missing hold is storage.ErrNotFound.
func Get(ctx context.Context, st storage.Store, id string) (Hold, error) {
	var h Hold
	err := storage.GetJSON(ctx, st, Key(id), 64<<10, &h)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return Hold{}, fmt.Errorf("reading hold %s: %w", id, err)
	}
	return h, err
}

// Set is every hold in force, indexed by what they cover.
type Set struct {
	All      []Hold
	subjects map[string][]Hold
	calls    map[string][]Hold
}

// Load reads every hold. Holds are few (one per litigation), so each erase and each
// retention sweep reads them all.
func Load(ctx context.Context, st storage.Store) (*Set, error) {
	objs, err := st.List(ctx, Prefix)
	if err != nil {
		return nil, fmt.Errorf("listing holds: %w", err)
	}
	s := &Set{subjects: map[string][]Hold{}, calls: map[string][]Hold{}}
	for _, o := range objs {
		id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, Prefix), ".json")
		if !ok || strings.Contains(id, "/") {
			continue
		}
		h, err := Get(ctx, st, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, err
		}
		s.add(h)
	}
	return s, nil
}

func (s *Set) add(h Hold) {
	s.All = append(s.All, h)
	switch h.Kind {
	case OnSubject:
		s.subjects[h.SubjectKey] = append(s.subjects[h.SubjectKey], h)
	case OnCall:
		s.calls[h.Call] = append(s.calls[h.Call], h)
	}
}

// Empty reports whether no hold is in force.
func (s *Set) Empty() bool { return s == nil || len(s.All) == 0 }

// Subject returns the holds on the subject itself.
func (s *Set) Subject(key string) []Hold {
	if s == nil {
		return nil
	}
	return s.subjects[key]
}

// Call returns the holds that cover a call: on the call, or on any of its subjects.
func (s *Set) Call(id string, subjectKeys []string) []Hold {
	if s == nil {
		return nil
	}
	out := slices.Clone(s.calls[id])
	for _, k := range subjectKeys {
		out = append(out, s.subjects[k]...)
	}
	return out
}

// On returns the holds placed on exactly target.
func (s *Set) On(t Target) []Hold {
	if s == nil {
		return nil
	}
	switch t.Kind {
	case OnSubject:
		return s.subjects[t.SubjectKey]
	case OnCall:
		return s.calls[t.Call]
	}
	return nil
}
