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

// recordPrefix holds one object per request_id: the first result, which a repeat
// returns, or the plan of an erase in progress. Records name keys and pseudonyms only.
const recordPrefix = "requests/"

// record is what the store keeps about a request_id.
type record struct {
	RequestID  string          `json:"request_id"`
	Verb       Verb            `json:"verb"`
	SubjectKey string          `json:"subject_key"`
	Status     string          `json:"status"` // "pending" or StatusCompleted
	Result     json.RawMessage `json:"result,omitempty"`
	// Plan is what an erase found and is deleting, so a retried erase (the gateway died
	// mid-way, the message was redelivered) reports everything the first attempt removed.
	Plan    *plan     `json:"plan,omitempty"`
	Updated time.Time `json:"updated"`
}

const statusPending = "pending"

// recordKey hashes the id: one fixed-length segment whatever the requester chose.
func recordKey(requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return recordPrefix + hex.EncodeToString(sum[:]) + ".json"
}

func (s *Service) loadRecord(ctx context.Context, requestID string) (*record, error) {
	rc, _, err := s.o.Store.Get(ctx, recordKey(requestID))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the record of request %s: %w", requestID, err)
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the record of request %s: %w", requestID, err)
	}
	var r record
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decoding the record of request %s: %w", requestID, err)
	}
	return &r, nil
}

func (s *Service) saveRecord(ctx context.Context, r *record) error {
	r.Updated = s.now()
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

// sameRequest rejects a request_id reused for another verb or subject: its first result
// says nothing about the new request.
func (r *record) sameRequest(verb Verb, subjectKey string) error {
	if r.Verb != verb || r.SubjectKey != subjectKey {
		return reject("request_id was already used for another request: choose a new one")
	}
	return nil
}

// firstResult is the answer to a request_id seen before: its stored first result, with
// the result's event (kind) published again, since a durable requester learns results
// only there. done is false when rec is nil or not completed yet.
func firstResult[T any](ctx context.Context, s *Service, rec *record, verb Verb, subjectKey, kind string) (res T, done bool, err error) {
	if rec == nil {
		return res, false, nil
	}
	if err := rec.sameRequest(verb, subjectKey); err != nil {
		return res, false, err
	}
	if rec.Status != StatusCompleted {
		return res, false, nil
	}
	if err := json.Unmarshal(rec.Result, &res); err != nil {
		return res, false, fmt.Errorf("decoding the first result of request %s: %w", rec.RequestID, err)
	}
	if err := s.o.Events.Publish(ctx, kind, res); err != nil {
		return res, false, err
	}
	return res, true, nil
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
