package spool

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/archive"
	"github.com/consentgw/consentgw/storage/local"
)

// testWait bounds every wait; it guards against a hang and is no timing assertion.
const testWait = 20 * time.Second

// events collects what the spool and the archive emit.
type events struct{ c chan emitted }

type emitted struct {
	kind    string
	payload any
}

func (e events) Emit(kind string, payload any) { e.c <- emitted{kind, payload} }

// next waits for the next event of kind, skipping others.
func (e events) next(t *testing.T, kind string) any {
	t.Helper()
	deadline := time.After(testWait)
	for {
		select {
		case ev := <-e.c:
			if ev.kind == kind {
				return ev.payload
			}
		case <-deadline:
			t.Fatalf("no %s event", kind)
		}
	}
}

// counts is the Observer: failures by reason.
type counts struct {
	mu     sync.Mutex
	failed map[string]int
}

func (c *counts) RecordingStarted()              {}
func (c *counts) RecordingFinished(int64, int64) {}
func (c *counts) RecordingFailed(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed[reason]++
}

func (c *counts) failures(reason string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed[reason]
}

// rig is a spool over an archive whose spool directory is dir, storing into a local
// store on the test's own disk.
type rig struct {
	*Spool
	archive *archive.Archiver
	store   storage.Store
	events  events
	counts  *counts
	stored  chan string // kinds of jobs stored
}

func newRig(t *testing.T, dir string, reserve int64, clk *clock) *rig {
	t.Helper()
	return newRigWith(t, dir, reserve, clk, Options{})
}

// newRigWith is newRig with spool options (keys) set.
func newRigWith(t *testing.T, dir string, reserve int64, clk *clock, o Options) *rig {
	t.Helper()
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{store: st, events: events{make(chan emitted, 64)}, counts: &counts{failed: map[string]int{}}, stored: make(chan string, 64)}
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	r.archive, err = archive.New(archive.Options{Store: st, Logger: log, Dir: dir, ReserveBytes: reserve, Events: r.events,
		Observe: func(kind string, err error) {
			if err == nil {
				r.stored <- kind
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.archive.Close(context.Background())
		st.Close()
	})
	o.Archive, o.Logger, o.Events, o.Observer, o.Now = r.archive, log, r.events, r.counts, clk.Now
	r.Spool = New(o)
	t.Cleanup(r.Close)
	return r
}

// log is the call's logger: the test's output when -v.
func (r *rig) log(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	return slog.New(slog.DiscardHandler)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func (r *rig) waitStored(t *testing.T, kind string) {
	t.Helper()
	deadline := time.After(testWait)
	for {
		select {
		case k := <-r.stored:
			if k == kind {
				return
			}
		case <-deadline:
			t.Fatalf("no %s stored", kind)
		}
	}
}

func (r *rig) readJSON(t *testing.T, key string, v any) {
	t.Helper()
	rc, _, err := r.store.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

// waitUntil polls cond until it holds: the event is a state the archive measures.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", testWait, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func grantedReceipt(id string) consent.Receipt {
	started := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	return consent.Receipt{
		ID: id, SIPCallID: "abc@host", Route: "default",
		StartedAt: started, DecidedAt: started.Add(2 * time.Second),
		Decision: consent.DecisionGranted, Method: consent.MethodRFC4733, Digit: "1",
		Subjects:        []consent.SubjectRef{{Type: "tel", Key: "aa11"}, {Type: "agent", Key: "bb22"}},
		Gateway:         "node-1",
		RecordingStatus: consent.RecordingPending,
	}
}

// clock is a settable Now: the recorder writes a slot (silence where no packet came) as
// this clock passes it, so a test moves a call on without waiting for it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
