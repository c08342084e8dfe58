package rights

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/consentgw/consentgw/storage"
)

// recordPrefix holds one object per request_id of a recorded verb: its state, the first
// result, which a repeat returns, or the plan of an erase in progress. Records name keys
// and pseudonyms only.
const recordPrefix = "requests/"

// States of a request, as status reports them.
const (
	// StatePending: a durable request waits in CONSENTGW_REQUESTS for a gateway.
	StatePending = "pending"
	// StateRunning: a gateway is working on it (or died doing so; it is then redelivered).
	StateRunning = "running"
	// StateRetrying: a durable request failed and will be tried again.
	StateRetrying = "retrying"
	// StateFailed: an RPC request failed; the requester may send it again.
	StateFailed = "failed"
	// StateRejected: it can never succeed as sent (e.g. it needs confirm).
	StateRejected = "rejected"
	// StateCompleted and StatePartial are finished requests (StatusCompleted, StatusPartial).
	StateCompleted = StatusCompleted
	StatePartial   = StatusPartial
)

// record is what the store keeps about a request_id.
type record struct {
	RequestID  string `json:"request_id"`
	Verb       Verb   `json:"verb"`
	SubjectKey string `json:"subject_key"`
	// Target names what the request is about beyond its subject (an erase's scope, a
	// call, a hold), so a request_id reused for something else is told apart.
	Target string `json:"target,omitempty"`
	// Status is the state; "pending" in records of earlier versions meant running.
	Status      string          `json:"status"`
	Result      json.RawMessage `json:"result,omitempty"`
	RequestedBy string          `json:"requested_by,omitempty"`
	Via         string          `json:"via,omitempty"`
	Attempts    int             `json:"attempts,omitempty"`
	Error       string          `json:"error,omitempty"`
	// Plan is what an erase found and is deleting, so a retried erase (the gateway died
	// mid-way, the message was redelivered) reports everything the first attempt removed.
	Plan    *plan     `json:"plan,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated"`
}

func (r *record) finished() bool { return r.Status == StateCompleted || r.Status == StatePartial }

// state maps the status of records written by earlier versions.
func (r *record) state() string {
	if r.Status == "pending" {
		return StateRunning
	}
	return r.Status
}

// recordKey hashes the id: one fixed-length segment whatever the requester chose.
func recordKey(requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return recordPrefix + hex.EncodeToString(sum[:]) + ".json"
}

func (s *Service) loadRecord(ctx context.Context, requestID string) (*record, error) {
	return s.readRecord(ctx, recordKey(requestID))
}

func (s *Service) readRecord(ctx context.Context, key string) (*record, error) {
	rc, _, err := s.o.Store.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading request record %s: %w", key, err)
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("reading request record %s: %w", key, err)
	}
	var r record
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decoding request record %s: %w", key, err)
	}
	return &r, nil
}

func (s *Service) saveRecord(ctx context.Context, r *record) error {
	r.Updated = s.now()
	if r.Created.IsZero() {
		r.Created = r.Updated
	}
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding the record of request %s: %w", r.RequestID, err)
	}
	if err := s.o.Store.Put(ctx, recordKey(r.RequestID), bytes.NewReader(body), int64(len(body)),
		storage.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("storing the record of request %s: %w", r.RequestID, err)
	}
	return nil
}

// sameRequest rejects a request_id reused for another verb, subject or target: its first
// result says nothing about the new request.
func (r *record) sameRequest(verb Verb, subjectKey, target string) error {
	if r.Verb != verb || r.SubjectKey != subjectKey || (r.Target != "" && r.Target != target) {
		return reject("request_id was already used for another request: choose a new one")
	}
	return nil
}

// job is one recorded request: what it is about, and the work that answers it.
type job[T any] struct {
	verb       Verb
	req        Request
	via        string
	subjectKey string
	target     string
	// kind is the event that carries the result.
	kind func(T) string
	// work does the request; it may save rec on the way (an erase's plan).
	work func(ctx context.Context, rec *record) (T, error)
	// status is the finished result's status (completed or partial).
	status func(T) string
}

// once runs a recorded request at most once in effect: a request_id finished before
// returns its first result and publishes its event again (a durable requester learns
// results only there); otherwise the work runs, and its state is kept in the record on
// the way, so status can tell pending, running, retrying and finished requests apart.
func once[T any](ctx context.Context, s *Service, j job[T]) (T, error) {
	var zero T
	unlock := s.locks.lock(j.req.RequestID)
	defer unlock()
	rec, err := s.loadRecord(ctx, j.req.RequestID)
	if err != nil {
		return zero, err
	}
	if rec != nil {
		if err := rec.sameRequest(j.verb, j.subjectKey, j.target); err != nil {
			return zero, err
		}
		if rec.finished() {
			var res T
			if err := json.Unmarshal(rec.Result, &res); err != nil {
				return zero, fmt.Errorf("decoding the first result of request %s: %w", rec.RequestID, err)
			}
			if err := s.o.Events.Publish(ctx, j.kind(res), res); err != nil {
				return zero, err
			}
			return res, nil
		}
	} else {
		rec = &record{RequestID: j.req.RequestID, Verb: j.verb, SubjectKey: j.subjectKey, Target: j.target}
	}
	rec.Status, rec.Error, rec.Via, rec.RequestedBy = StateRunning, "", j.via, j.req.RequestedBy
	rec.Attempts++
	if err := s.saveRecord(ctx, rec); err != nil {
		return zero, err
	}
	res, err := j.work(ctx, rec)
	if err != nil {
		s.noteFailure(ctx, rec, j.via, err)
		return zero, err
	}
	if err := s.o.Events.Publish(ctx, j.kind(res), res); err != nil {
		s.noteFailure(ctx, rec, j.via, err)
		return zero, err
	}
	body, err := json.Marshal(res)
	if err != nil {
		return zero, fmt.Errorf("encoding the result of request %s: %w", rec.RequestID, err)
	}
	rec.Status, rec.Result, rec.Plan = j.status(res), body, nil
	if err := s.saveRecord(ctx, rec); err != nil {
		return zero, err
	}
	return res, nil
}

// noteFailure keeps a failed attempt's state for status; the store may be the reason it
// failed, so this is best effort, on a context of its own.
func (s *Service) noteFailure(ctx context.Context, rec *record, via string, err error) {
	rec.Status = StateFailed
	switch {
	case errors.Is(err, ErrRejected):
		rec.Status = StateRejected
	case via == ViaDurable:
		rec.Status = StateRetrying
	}
	rec.Error = err.Error()
	// Kept even when ctx ended (a request given up at shutdown is noted as failed).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if serr := s.saveRecord(ctx, rec); serr != nil {
		s.log.Warn("the state of a failed request could not be kept", "request_id", rec.RequestID, "error", serr)
	}
}

// idLocks serialises work on one request_id within this process.
type idLocks struct {
	mu    sync.Mutex
	locks map[string]*idLock
}

type idLock struct {
	sync.Mutex
	users int
}

func (l *idLocks) lock(id string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*idLock{}
	}
	m := l.locks[id]
	if m == nil {
		m = &idLock{}
		l.locks[id] = m
	}
	m.users++
	l.mu.Unlock()
	m.Lock()
	return func() {
		m.Unlock()
		l.mu.Lock()
		if m.users--; m.users == 0 {
			delete(l.locks, id)
		}
		l.mu.Unlock()
	}
}
