package rights

import (
	"context"
	"fmt"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/hold"
	"github.com/consentgw/consentgw/consent/subject"
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

// KeyDestroyer destroys the encryption keys that make erased data readable, so that
// copies out of the gateway's reach (replicas, backups) become unreadable too. Erase calls
// it after it found what to erase and before it deletes anything; it returns the ids of
// the keys it destroyed, for the result and the certificate.
type KeyDestroyer interface {
	DestroyKeys(ctx context.Context, t EraseTarget) ([]string, error)
}

// EraseTarget is what one erase erases, for a KeyDestroyer.
type EraseTarget struct {
	Scope      Scope
	SubjectKey string   // "" for scope call
	Calls      []string // the calls whose data goes, by id
	// Held is true when legal holds keep some of the subject's calls: a key those calls
	// still need must stay.
	Held bool
}

// eraseTarget is what an erase request names, resolved.
type eraseTarget struct {
	Scope      Scope
	SubjectKey string
	Call       string
}

func (t eraseTarget) name() string {
	if t.Scope == ScopeCall {
		return "erase:call:" + t.Call
	}
	return "erase:" + string(t.Scope)
}

// eraseEvent is the event kind of an erase's result, by scope.
func eraseEvent(r EraseResult) string {
	switch {
	case r.Status == StatusDryRun:
		return audit.KindErasePreviewed
	case r.Scope == ScopeRecordings:
		return audit.KindRecordingsErased
	case r.Scope == ScopeCall:
		return audit.KindCallErased
	}
	return audit.KindSubjectErased
}

// Erase runs an erase request (see runErase), as the NATS handlers do.
func (s *Service) Erase(ctx context.Context, req Request) (EraseResult, error) {
	return s.erase(ctx, req, ViaDirect)
}

func (s *Service) erase(ctx context.Context, req Request, via string) (EraseResult, error) {
	t := eraseTarget{Scope: req.Scope, Call: req.Call}
	if t.Scope == "" {
		t.Scope = ScopeSubject
	}
	if t.Scope != ScopeCall {
		key, err := s.resolve(req)
		if err != nil {
			return EraseResult{}, err
		}
		t.SubjectKey = key
	}
	if req.DryRun {
		return s.previewErase(ctx, req, t)
	}
	return once(ctx, s, job[EraseResult]{
		verb: VerbErase, req: req, via: via, subjectKey: t.SubjectKey, target: t.name(),
		kind:   eraseEvent,
		status: func(r EraseResult) string { return r.Status },
		work: func(ctx context.Context, rec *record) (EraseResult, error) {
			return s.runErase(ctx, req, t, rec)
		},
	})
}

// runErase is every erase, its steps in order:
//
//  1. discard: every node stops and drops what it holds of the target that is not stored
//     yet (calls being recorded, jobs in a spool);
//  2. find: the target's calls, through the subject index (or the call's own keys);
//  3. holds: what a legal hold covers stays, and is reported;
//  4. guard: more recordings than rights.erase_max_recordings need confirm;
//  5. destroy keys: the encryption keys of what goes (KeyDestroyer);
//  6. delete: per call the recording and its metadata, then (scopes subject and call)
//     the receipt, kept as an anonymous tombstone with erase_keeps: statistics, and the
//     index entries of all parties; then the subject's export bundles;
//  7. certify: a signed certificate of what was deleted.
//
// Steps 2 to 6 repeat until a pass finds nothing more: a node that was storing the
// subject's call while the discard went out may add it once more. Publishing the event
// and keeping the result are once's.
func (s *Service) runErase(ctx context.Context, req Request, t eraseTarget, rec *record) (EraseResult, error) {
	if rec.Plan == nil {
		rec.Plan = newPlan()
	}
	fresh := rec.Plan.empty()
	log := s.log.With("request_id", req.RequestID, "scope", t.Scope)
	if t.SubjectKey != "" {
		log = log.With("subject", subject.Redact(t.SubjectKey), "subject_type", req.Subject.Type)
	}
	var discarded Discarded
	if s.o.Discard != nil {
		var err error
		if discarded, err = s.o.Discard.Discard(ctx, DiscardTarget(t)); err != nil {
			return EraseResult{}, fmt.Errorf("discarding what the nodes hold: %w", err)
		}
	}
	holds, err := hold.Load(ctx, s.o.Store)
	if err != nil {
		return EraseResult{}, err
	}
	var held []HeldItem
	for pass := 0; ; pass++ {
		found, err := s.find(ctx, t)
		if err != nil {
			return EraseResult{}, err
		}
		held = found.withoutHeld(holds, t.SubjectKey)
		if found.empty() {
			if pass == 0 {
				// Nothing of the target is in the store (expired, erased before), but
				// copies elsewhere may still hold it: its keys go all the same.
				if err := s.destroyKeys(ctx, t, found, len(held) > 0, rec.Plan); err != nil {
					return EraseResult{}, err
				}
			}
			break
		}
		if pass == erasePasses {
			return EraseResult{}, fmt.Errorf("erasing: %w", ErrIncomplete)
		}
		if fresh && pass == 0 {
			if err := s.guard(req, found); err != nil {
				return EraseResult{}, err
			}
		}
		rec.Plan.merge(found)
		if err := s.destroyKeys(ctx, t, found, len(held) > 0, rec.Plan); err != nil {
			return EraseResult{}, err
		}
		// The plan is stored before anything is deleted: a retry after a crash still
		// reports what this attempt removed.
		if err := s.saveRecord(ctx, rec); err != nil {
			return EraseResult{}, err
		}
		versions, err := s.deletePlan(ctx, rec.Plan, t.Scope)
		rec.Plan.Versions += versions
		if err != nil {
			return EraseResult{}, err
		}
		if err := s.saveRecord(ctx, rec); err != nil {
			return EraseResult{}, err
		}
	}
	res := s.eraseResult(req, t, rec.Plan, held)
	res.LiveRecordingsDiscarded, res.SpooledJobsDiscarded = discarded.Live, discarded.Spooled
	res.Nodes = sortedNames(discarded.Names)
	for _, id := range rec.Plan.ids() {
		c := rec.Plan.Calls[id]
		if c.Recording != "" {
			s.o.Events.Emit(audit.KindRecordingDeleted, DeletedRecording{
				ID: id, Recording: c.Recording, Metadata: c.Metadata, Receipt: c.Receipt, Subjects: c.Subjects, RequestID: req.RequestID,
			})
		}
	}
	if err := s.certify(ctx, &res, rec.Plan); err != nil {
		return EraseResult{}, err
	}
	log.Info("erased", "status", res.Status, "recordings", res.RecordingsDeleted, "receipts", res.ReceiptsDeleted,
		"index_entries", res.IndexEntriesDeleted, "index_entries_updated", res.IndexEntriesUpdated, "exports", res.ExportsDeleted,
		"anonymized", res.ReceiptsAnonymized, "versions", res.VersionsRemoved, "held", len(res.Held),
		"live_discarded", res.LiveRecordingsDiscarded, "spool_discarded", res.SpooledJobsDiscarded, "nodes", discarded.Nodes)
	return res, nil
}

// previewErase answers a dry run: what the erase would delete and what holds would
// keep. It changes nothing and keeps no record.
func (s *Service) previewErase(ctx context.Context, req Request, t eraseTarget) (EraseResult, error) {
	holds, err := hold.Load(ctx, s.o.Store)
	if err != nil {
		return EraseResult{}, err
	}
	found, err := s.find(ctx, t)
	if err != nil {
		return EraseResult{}, err
	}
	held := found.withoutHeld(holds, t.SubjectKey)
	res := s.eraseResult(req, t, found, held)
	res.Status = StatusDryRun
	res.WouldDelete = found.deleted(t.Scope)
	if err := s.o.Events.Publish(ctx, eraseEvent(res), res); err != nil {
		return EraseResult{}, err
	}
	return res, nil
}

func (s *Service) eraseResult(req Request, t eraseTarget, p *plan, held []HeldItem) EraseResult {
	res := EraseResult{
		RequestID:   req.RequestID,
		Status:      StatusCompleted,
		Scope:       t.Scope,
		Held:        held,
		SubjectKey:  t.SubjectKey,
		Call:        t.Call,
		RequestedBy: req.RequestedBy,
		CompletedAt: s.now(),
	}
	if t.SubjectKey != "" {
		res.SubjectType = string(req.Subject.Type)
	}
	if c, ok := p.Calls[t.Call]; ok && t.Scope == ScopeCall {
		res.Subjects = c.Subjects
	}
	if len(held) > 0 {
		res.Status = StatusPartial
	}
	p.counts(&res.EraseCounts, t.Scope)
	return res
}

// guard stops an erase that would delete more recordings than the deployment allows
// without a second look, before anything is deleted.
func (s *Service) guard(req Request, found *plan) error {
	limit := s.o.Erase.MaxRecordings
	if n := found.recordings(); limit > 0 && n > limit && !req.Confirm {
		return reject(fmt.Sprintf("this erase would delete %d recordings, more than rights.erase_max_recordings (%d): send it again with \"confirm\": true (ask with \"dry_run\": true what it would delete)", n, limit))
	}
	return nil
}

// destroyKeys is step 5: the keys of the calls found in this pass.
func (s *Service) destroyKeys(ctx context.Context, t eraseTarget, found *plan, held bool, p *plan) error {
	if s.o.Keys == nil {
		return nil
	}
	calls := found.ids()
	if t.Scope == ScopeCall {
		calls = union(calls, []string{t.Call})
	}
	ids, err := s.o.Keys.DestroyKeys(ctx, EraseTarget{Scope: t.Scope, SubjectKey: t.SubjectKey, Calls: calls, Held: held})
	if err != nil {
		return fmt.Errorf("destroying encryption keys: %w", err)
	}
	p.KeysDestroyed = union(p.KeysDestroyed, ids)
	return nil
}

func (s *Service) find(ctx context.Context, t eraseTarget) (*plan, error) {
	var found *plan
	var err error
	if t.Scope == ScopeCall {
		found, err = s.collectCall(ctx, t.Call)
	} else {
		found, err = s.collect(ctx, t.SubjectKey)
	}
	if err != nil {
		return nil, err
	}
	found.narrow(t.Scope)
	return found, nil
}
