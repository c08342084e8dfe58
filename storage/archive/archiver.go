// Package archive writes a call's objects (consent receipt, recording, recording metadata,
// subject index entries) to the store. Every job is first a file in the spool directory
// (the outbox), so neither a call nor its media waits on storage, a store outage only
// delays uploads, and a crash loses nothing: the next start picks the files up again.
package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/consentgw/consentgw/storage"
)

// Backoff between attempts while the store fails: doubling from minBackoff to maxBackoff.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// EventSink receives audit events (recording.stored); Emit must not block.
type EventSink interface {
	Emit(kind string, payload any)
}

// Options wire an Archiver.
type Options struct {
	Store  storage.Store
	Logger *slog.Logger
	// Dir is the spool: recordings in progress and the outbox of jobs.
	Dir string
	// MaxSpoolBytes bounds the spool; 0 = only its filesystem's free space does.
	MaxSpoolBytes int64
	// ReserveBytes is a call's worth of spool: with less room than this left (under
	// MaxSpoolBytes and on the filesystem) the spool is Full. See capacity.go.
	ReserveBytes int64
	// Observe, if not nil, is told the outcome of each attempt (metrics, tests).
	Observe func(kind string, err error)
	// Events, if not nil, receives recording.stored.
	Events EventSink
	// Signer, if not nil, signs every receipt stored (signed.go).
	Signer Signer
}

// Archiver stores call objects from the outbox in the background, each call's oldest
// first, several calls at once (see uploaders).
//
// Lock order: uploader.mu (held while one job runs, and by the discard methods for its
// calls; DiscardSubject takes every uploader's, in order), then held.mu (jobs the spool's
// disk did not take), then files (a job file's rename or clearing) or an uploader's qmu
// (its queue). capacity's fields are atomics.
type Archiver struct {
	o         Options
	log       *slog.Logger
	uploaders []*uploader
	capacity  capacity
	held      heldJobs
	// files orders renaming a job file into place against clearing a stored one.
	files   sync.Mutex
	closing chan struct{}
	done    chan struct{}
}

// New starts an archiver over the outbox in o.Dir, including jobs left by an earlier run.
// Recordings an earlier run left in progress are listed by Interrupted: finishing them
// takes the recorder (recorder/spool), which the archive does not know.
func New(o Options) (*Archiver, error) {
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("archive: spool %s: %w", o.Dir, err)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Archiver{o: o, log: o.Logger, closing: make(chan struct{}), done: make(chan struct{})}
	a.measure()
	a.sweepStreams()
	for range uploaders {
		a.uploaders = append(a.uploaders, newUploader())
	}
	pending := a.pending()
	if len(pending) > 0 {
		a.log.Info("spooled call objects from an earlier run will be stored", "jobs", len(pending))
	}
	for _, j := range pending {
		a.enqueue(j)
	}
	var wg sync.WaitGroup
	for _, u := range a.uploaders {
		wg.Go(func() { a.upload(u) })
	}
	wg.Go(a.watch)
	go func() {
		wg.Wait()
		close(a.done)
	}()
	return a, nil
}

// Close stops the uploaders once the outbox is empty, or at once if the store fails, or
// when ctx ends; whatever is left stays in the outbox for the next start. Jobs the spool's
// disk never took are lost then, each with an error log line.
func (a *Archiver) Close(ctx context.Context) error {
	close(a.closing)
	select {
	case <-a.done:
		var errs []error
		if n := a.held.lose(a.log); n > 0 {
			errs = append(errs, fmt.Errorf("archive: %d jobs lost: the spool's disk never took them", n))
		}
		if n := len(a.pending()); n > 0 {
			errs = append(errs, fmt.Errorf("archive: %d jobs left in the spool for the next start", n))
		}
		return errors.Join(errs...)
	case <-ctx.Done():
		return fmt.Errorf("archive: stopping: %w", ctx.Err())
	}
}

func backoff(failures int) time.Duration {
	d := minBackoff
	for i := 1; i < failures && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// run does one job under its uploader's mu, so a discard never races an upload of the
// same call.
func (a *Archiver) run(u *uploader, j job) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	switch j.kind {
	case kindReceipt:
		return a.storeReceipt(ctx, j)
	case kindRecording:
		return a.storeRecording(ctx, j)
	}
	return a.drop(j, errors.New("unknown job kind"))
}
