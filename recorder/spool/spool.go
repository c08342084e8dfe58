// Package spool is a call's one handle on its recording. Begin starts it in the archive's
// spool directory and returns a Recording, which the call pauses, discards or finishes;
// the call never runs the spool's protocol itself (the note that a recording is in
// progress, the WAV, the recorder, the job that stores it). A recording that cannot start
// or fails during the call is reported here, once: an error log line, the
// recording.failed event and a count, and the receipt the handle finishes with says so.
// New finishes the recordings a killed gateway left in the spool.
package spool

import (
	"log/slog"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/storage/archive"
)

// EventSink receives audit events (recording.failed); Emit must not block.
type EventSink interface {
	Emit(kind string, payload any)
}

// Observer is told what recordings do, for metrics. Every method must be cheap and safe
// for concurrent use; RecordingFailed may run on a recorder's scheduler worker.
type Observer interface {
	RecordingStarted()
	RecordingFinished(frames int64, dropped int64)
	// RecordingFailed counts a recording that could not start, or failed during the
	// call, by reason (a consent.Reason… code).
	RecordingFailed(reason string)
}

// Options wire a Spool.
type Options struct {
	Archive *archive.Archiver
	// Scheduler advances every call's recording; nil gives each its own goroutine.
	Scheduler *recorder.Scheduler
	Logger    *slog.Logger
	Events    EventSink        // nil drops events
	Observer  Observer         // nil counts nothing
	Now       func() time.Time // nil = time.Now
	// Keys, when set, seals every recording: each party's channel is encrypted to its
	// key (recorder/sealed), and SpoolKey, this node's spool key, keeps the streams' file
	// keys for a repair. nil records plain WAVs.
	Keys     KeySource
	SpoolKey *age.X25519Identity
}

// Spool starts the recordings of calls.
type Spool struct {
	o   Options
	log *slog.Logger
	// closing ends the retries of repairs a full disk refused (salvage_sealed.go).
	closing chan struct{}
	retries sync.WaitGroup
}

// New returns a Spool over o.Archive, after finishing the recordings an earlier run left
// in progress (see recover.go). Call it before any call starts.
func New(o Options) *Spool {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Events == nil {
		o.Events = nopEvents{}
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Spool{o: o, log: o.Logger, closing: make(chan struct{})}
	s.recover()
	return s
}

// Close ends what the spool still tries in the background (repairs a full disk refused);
// what they had not done is repaired at the next start. Call it after the last call.
func (s *Spool) Close() {
	close(s.closing)
	s.retries.Wait()
}

type nopEvents struct{}

func (nopEvents) Emit(string, any) {}

type nopObserver struct{}

func (nopObserver) RecordingStarted()              {}
func (nopObserver) RecordingFinished(int64, int64) {}
func (nopObserver) RecordingFailed(string)         {}
