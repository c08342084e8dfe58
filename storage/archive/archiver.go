// Package archive writes a call's objects (consent receipt, recording, recording metadata,
// subject index entries) to the store. It works from a queue in its own goroutine, so
// neither a call nor its media ever waits on storage.
package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/index"
)

// queueLen bounds the jobs waiting for the store; a call that finds the queue full waits
// (its signalling goroutine, never its media) rather than losing a receipt.
const queueLen = 1024

// retry bounds the attempts per job; a recording that still fails stays in the spool.
var retryDelays = []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second}

// EventSink receives audit events (recording.stored); Emit must not block.
type EventSink interface {
	Emit(kind string, payload any)
}

// Options wire an Archiver.
type Options struct {
	Store  storage.Store
	Logger *slog.Logger
	// Observe, if not nil, is told the outcome of each job (metrics, tests).
	Observe func(kind string, err error)
	// Events, if not nil, receives recording.stored.
	Events EventSink
}

// Archiver stores call objects in the background.
type Archiver struct {
	store   storage.Store
	log     *slog.Logger
	jobs    chan job
	wg      sync.WaitGroup
	observe func(kind string, err error)
	events  EventSink
}

type job struct {
	kind string
	run  func(ctx context.Context) error
}

// New starts an archiver.
func New(o Options) *Archiver {
	a := &Archiver{store: o.Store, log: o.Logger, jobs: make(chan job, queueLen), observe: o.Observe, events: o.Events}
	a.wg.Add(1)
	go a.work()
	return a
}

// Close stops taking jobs and waits until the queued ones are done or ctx ends.
func (a *Archiver) Close(ctx context.Context) error {
	close(a.jobs)
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("archive: %d jobs not stored: %w", len(a.jobs), ctx.Err())
	}
}

func (a *Archiver) work() {
	defer a.wg.Done()
	for j := range a.jobs {
		err := a.attempt(j)
		if err != nil {
			a.log.Error("storing call objects failed", "kind", j.kind, "error", err)
		}
		if a.observe != nil {
			a.observe(j.kind, err)
		}
	}
}

func (a *Archiver) attempt(j job) error {
	var err error
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = j.run(ctx)
		cancel()
		if err == nil || i == len(retryDelays) {
			return err
		}
		time.Sleep(retryDelays[i])
	}
}

// Receipt stores a consent receipt and an index entry for each of its subjects.
func (a *Archiver) Receipt(r consent.Receipt) {
	a.jobs <- job{kind: "receipt", run: func(ctx context.Context) error {
		return a.putReceipt(ctx, r, "", "")
	}}
}

func (a *Archiver) putReceipt(ctx context.Context, r consent.Receipt, recordingKey, metaKey string) error {
	receiptKey := storage.ReceiptKey(r.StartedAt, r.ID)
	if err := a.putJSON(ctx, receiptKey, r); err != nil {
		return fmt.Errorf("storing receipt: %w", err)
	}
	for _, s := range r.Subjects {
		e := index.Entry{
			SubjectKey:    s.Key,
			SubjectType:   s.Type,
			ID:            r.ID,
			Receipt:       receiptKey,
			Recording:     recordingKey,
			RecordingMeta: metaKey,
			CreatedAt:     r.StartedAt,
		}
		if err := index.Put(ctx, a.store, e); err != nil {
			return fmt.Errorf("storing subject index entry: %w", err)
		}
	}
	return nil
}

func (a *Archiver) putJSON(ctx context.Context, key string, v any) error {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return a.store.Put(ctx, key, bytes.NewReader(body), int64(len(body)), storage.PutOptions{ContentType: "application/json"})
}
