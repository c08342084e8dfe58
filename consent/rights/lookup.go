package rights

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/hold"
	"github.com/consentgw/consentgw/storage"
)

// Lookup answers what the store holds of a subject (see LookupResult).
func (s *Service) Lookup(ctx context.Context, req Request) (LookupResult, error) {
	return s.lookup(ctx, req, ViaDirect)
}

func (s *Service) lookup(ctx context.Context, req Request, via string) (LookupResult, error) {
	key, err := s.resolve(req)
	if err != nil {
		return LookupResult{}, err
	}
	return once(ctx, s, job[LookupResult]{
		verb: VerbLookup, req: req, via: via, subjectKey: key,
		kind:   func(LookupResult) string { return audit.KindSubjectLookedUp },
		status: func(LookupResult) string { return StatusCompleted },
		work: func(ctx context.Context, _ *record) (LookupResult, error) {
			return s.runLookup(ctx, req, key)
		},
	})
}

// runLookup reads the subject's index as an erase would (collect), so the answer names
// exactly what an erase of scope subject would delete, and the holds that would keep
// some of it. Calls still in a gateway's spool or in progress are not in the store yet.
func (s *Service) runLookup(ctx context.Context, req Request, key string) (LookupResult, error) {
	found, err := s.collect(ctx, key)
	if err != nil {
		return LookupResult{}, fmt.Errorf("looking up: %w", err)
	}
	holds, err := hold.Load(ctx, s.o.Store)
	if err != nil {
		return LookupResult{}, err
	}
	res := LookupResult{
		RequestID: req.RequestID, Status: StatusCompleted, SubjectType: string(req.Subject.Type), SubjectKey: key,
		Calls: len(found.Calls), Exports: len(found.Exports),
		Keys:        LookupKeys{Receipts: []string{}, Recordings: []string{}, Metadata: []string{}, Index: []string{}, Exports: found.Exports},
		RequestedBy: req.RequestedBy,
	}
	if res.Keys.Exports == nil {
		res.Keys.Exports = []string{}
	}
	prefix := storage.IndexPrefix(key)
	for _, id := range found.ids() {
		c := found.Calls[id]
		at, err := consent.IDTime(id)
		if err == nil {
			if res.FirstCallAt.IsZero() || at.Before(res.FirstCallAt) {
				res.FirstCallAt = at
			}
			if at.After(res.LastCallAt) {
				res.LastCallAt = at
			}
		}
		if c.Receipt != "" {
			res.Receipts++
			res.Keys.Receipts = append(res.Keys.Receipts, c.Receipt)
		}
		if c.Recording != "" {
			res.Recordings++
			res.Keys.Recordings = append(res.Keys.Recordings, c.Recording)
		}
		if c.Metadata != "" {
			res.Keys.Metadata = append(res.Keys.Metadata, c.Metadata)
		}
		// Only the subject's own entries: the other parties' are theirs.
		for _, k := range c.Index {
			if strings.HasPrefix(k, prefix) {
				res.Keys.Index = append(res.Keys.Index, k)
			}
		}
	}
	slices.Sort(res.Keys.Index)
	res.Holds = []hold.Hold{}
	for _, h := range holds.All {
		switch {
		case h.Kind == hold.OnSubject && h.SubjectKey == key:
		case h.Kind == hold.OnCall && found.Calls[h.Call] != nil:
		default:
			continue
		}
		res.Holds = append(res.Holds, h)
	}
	res.CompletedAt = s.now()
	return res, nil
}
