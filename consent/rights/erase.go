package rights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/index"
)

// erasePasses bounds how often an erase lists the subject again: a node that was
// uploading the subject's call while the discard went out may add an entry once more.
const erasePasses = 3

// exportMarkerDir is where, under a subject's index prefix, each export bundle made of
// the subject is noted, so an erase finds the bundles too.
const exportMarkerDir = "exports/"

// DeletedRecording is the payload of a recording.deleted event.
type DeletedRecording struct {
	ID        string               `json:"id"`
	Recording string               `json:"recording"`
	Metadata  string               `json:"metadata,omitempty"`
	Receipt   string               `json:"receipt"`
	Subjects  []consent.SubjectRef `json:"subjects,omitempty"`
	RequestID string               `json:"request_id"`
}

// Erase deletes everything of the request's subject: live recordings and spooled jobs on
// every node first, then per call the recording (WAV and metadata), the receipt and the
// index entries of all its parties, then the subject's export bundles. Afterwards nothing
// is listed under subjects/<key>/. A request_id done before returns its first result
// (and publishes it as the event again) without deleting anything.
func (s *Service) Erase(ctx context.Context, req Request) (EraseResult, error) {
	key, err := s.resolve(req)
	if err != nil {
		return EraseResult{}, err
	}
	unlock := s.locks.lock(req.RequestID)
	defer unlock()
	rec, err := s.loadRecord(ctx, req.RequestID)
	if err != nil {
		return EraseResult{}, err
	}
	if res, done, err := firstResult[EraseResult](ctx, s, rec, VerbErase, key, audit.KindSubjectErased); err != nil || done {
		return res, err
	}
	if rec == nil {
		rec = &record{RequestID: req.RequestID, Verb: VerbErase, SubjectKey: key, Status: statusPending}
	}
	if rec.Plan == nil {
		rec.Plan = newPlan()
	}
	log := s.log.With("request_id", req.RequestID, "subject", subject.Redact(key), "subject_type", req.Subject.Type)

	var discarded Discarded
	if s.o.Discard != nil {
		if discarded, err = s.o.Discard.Discard(ctx, key); err != nil {
			return EraseResult{}, fmt.Errorf("discarding the subject's live recordings: %w", err)
		}
	}
	for pass := 0; ; pass++ {
		found, err := s.collect(ctx, key)
		if err != nil {
			return EraseResult{}, err
		}
		if found.empty() {
			break
		}
		if pass == erasePasses {
			return EraseResult{}, fmt.Errorf("erasing subject %s: %w", subject.Redact(key), ErrIncomplete)
		}
		rec.Plan.merge(found)
		// The plan is stored before anything is deleted: a retry after a crash still
		// reports what this attempt removed.
		if err := s.saveRecord(ctx, rec); err != nil {
			return EraseResult{}, err
		}
		if err := s.deletePlan(ctx, rec.Plan); err != nil {
			return EraseResult{}, err
		}
	}

	res := EraseResult{
		RequestID:               req.RequestID,
		Status:                  StatusCompleted,
		LiveRecordingsDiscarded: discarded.Live,
		SpooledJobsDiscarded:    discarded.Spooled,
		Nodes:                   sortedNames(discarded.Names),
		SubjectType:             string(req.Subject.Type),
		SubjectKey:              key,
		RequestedBy:             req.RequestedBy,
		CompletedAt:             s.now(),
	}
	rec.Plan.counts(&res)
	for _, id := range rec.Plan.ids() {
		c := rec.Plan.Calls[id]
		if c.Recording != "" {
			s.o.Events.Emit(audit.KindRecordingDeleted, DeletedRecording{
				ID: id, Recording: c.Recording, Metadata: c.Metadata, Receipt: c.Receipt, Subjects: c.Subjects, RequestID: req.RequestID,
			})
		}
	}
	if err := s.o.Events.Publish(ctx, audit.KindSubjectErased, res); err != nil {
		return EraseResult{}, err
	}
	body, err := json.Marshal(res)
	if err != nil {
		return EraseResult{}, fmt.Errorf("encoding erase result: %w", err)
	}
	rec.Status, rec.Result, rec.Plan = StatusCompleted, body, nil
	if err := s.saveRecord(ctx, rec); err != nil {
		return EraseResult{}, err
	}
	log.Info("subject erased", "recordings", res.RecordingsDeleted, "receipts", res.ReceiptsDeleted,
		"index_entries", res.IndexEntriesDeleted, "exports", res.ExportsDeleted, "live_discarded", res.LiveRecordingsDiscarded,
		"spool_discarded", res.SpooledJobsDiscarded, "nodes", discarded.Nodes)
	return res, nil
}

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
		var r struct {
			Subjects []consent.SubjectRef `json:"subjects"`
		}
		err := s.getJSON(ctx, c.Receipt, &r)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return "", nil, err
		}
		c.Subjects = r.Subjects
		for _, sub := range r.Subjects {
			if storage.ValidSegment(sub.Key) == nil {
				c.Index = union(c.Index, []string{storage.IndexKey(sub.Key, e.ID)})
			}
		}
	}
	return e.ID, c, nil
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

// deletePlan deletes each call's objects before its index entries, so an erase cut short
// finds the call again through them.
func (s *Service) deletePlan(ctx context.Context, p *plan) error {
	ids := p.ids()
	err := s.parallel(ctx, len(ids), func(ctx context.Context, i int) error {
		c := p.Calls[ids[i]]
		for _, k := range append([]string{c.Recording, c.Metadata, c.Receipt}, c.Index...) {
			if k == "" {
				continue
			}
			if err := s.o.Store.Delete(ctx, k); err != nil {
				return fmt.Errorf("erasing: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rest := append(append([]string(nil), p.Exports...), p.Other...)
	return s.parallel(ctx, len(rest), func(ctx context.Context, i int) error {
		if err := s.o.Store.Delete(ctx, rest[i]); err != nil {
			return fmt.Errorf("erasing: %w", err)
		}
		return nil
	})
}

// getJSON decodes a small stored JSON object (an index entry, a receipt, metadata).
func (s *Service) getJSON(ctx context.Context, key string, v any) error {
	rc, _, err := s.o.Store.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, 4<<20))
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	return json.Unmarshal(body, v)
}
