package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/consent"
)

// Defaults of Options.
const (
	defaultBuffer = 4096
	// publishTimeout bounds one publish, waiting for the stream's acknowledgement.
	publishTimeout = 5 * time.Second
	// maxInFlight bounds the events published before their acknowledgements are awaited.
	maxInFlight = 256
)

// Options wire a Publisher.
type Options struct {
	JS jetstream.JetStream
	// Node names this gateway in every event.
	Node   string
	Logger *slog.Logger
	// Buffer bounds the events Emit queues; 0 = 4096.
	Buffer int
	// IDs hands out event ids; nil = a source of its own.
	IDs *consent.IDSource
}

// Publisher sends events to CONSENTGW_EVENTS. Emit queues (the call path never waits on
// NATS); Publish waits until the stream has stored the event.
type Publisher struct {
	o       Options
	log     *slog.Logger
	queue   chan Event
	dropped atomic.Int64
	// unconfirmed counts events sent but never acknowledged when the publisher stopped.
	unconfirmed atomic.Int64
	// outageSince is when the worker began retrying an event the stream has not
	// acknowledged (zero: no outage), so an outage is logged once when it starts and once
	// when it ends. Worker only.
	outageSince time.Time
	// stopFailed: a publish failed after Close began; the rest are not tried. Worker only.
	stopFailed bool

	mu      sync.RWMutex // guards closed against Emit's send on queue
	closed  bool
	closing chan struct{}
	done    chan struct{}
}

// New starts a publisher; Close stops it.
func New(o Options) *Publisher {
	if o.Buffer <= 0 {
		o.Buffer = defaultBuffer
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.IDs == nil {
		o.IDs = consent.NewIDSource()
	}
	p := &Publisher{o: o, log: o.Logger, queue: make(chan Event, o.Buffer), closing: make(chan struct{}), done: make(chan struct{})}
	go p.work()
	return p
}

// Emit queues an event and returns at once. When the queue is full (NATS unreachable for
// long) the event is dropped, counted and logged: media and signalling never wait on the
// audit trail.
func (p *Publisher) Emit(kind string, payload any) {
	ev, err := p.event(kind, payload)
	if err != nil {
		p.log.Error("audit event not built", "kind", kind, "error", err)
		return
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		p.drop(ev, ErrClosed)
		return
	}
	select {
	case p.queue <- ev:
	default:
		p.drop(ev, fmt.Errorf("queue of %d events full", cap(p.queue)))
	}
}

// Publish sends an event and returns once the stream stored it.
func (p *Publisher) Publish(ctx context.Context, kind string, payload any) error {
	ev, err := p.event(kind, payload)
	if err != nil {
		return err
	}
	_, err = p.publish(ctx, ev)
	return err
}

// Dropped is how many events were given up without ever being sent: the stream cannot
// hold them.
func (p *Publisher) Dropped() int64 { return p.dropped.Load() }

// Unconfirmed is how many events were sent but not acknowledged before Close returned:
// the stream may hold them or not.
func (p *Publisher) Unconfirmed() int64 { return p.unconfirmed.Load() }

// Close publishes what is queued, until ctx ends, and stops the worker.
func (p *Publisher) Close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.closing)
	}
	p.mu.Unlock()
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("audit: flushing %d queued events: %w", len(p.queue), ctx.Err())
	}
}

func (p *Publisher) event(kind string, payload any) (Event, error) {
	if kind == "" || strings.ContainsAny(kind, " \t\r\n*>") || strings.HasPrefix(kind, ".") || strings.HasSuffix(kind, ".") {
		return Event{}, fmt.Errorf("%w: %q", ErrBadKind, kind)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return Event{}, fmt.Errorf("audit: encoding %s payload: %w", kind, err)
	}
	now := time.Now().UTC()
	return Event{ID: p.o.IDs.New(now), Kind: kind, At: now, Gateway: p.o.Node, Data: data}, nil
}

// publish sends ev and waits for the stream's acknowledgement.
func (p *Publisher) publish(ctx context.Context, ev Event) (*jetstream.PubAck, error) {
	body, err := encode(ev)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	ack, err := p.o.JS.Publish(ctx, Subject(ev.Kind), body, publishOpts(ev)...)
	if err != nil {
		return nil, fmt.Errorf("audit: publishing %s event: %w", ev.Kind, err)
	}
	return ack, nil
}

func encode(ev Event) ([]byte, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("audit: encoding %s event: %w", ev.Kind, err)
	}
	return body, nil
}

// publishOpts make a repeated publish of ev a no-op (the id is its Nats-Msg-Id) and
// refuse any stream but the trail's.
func publishOpts(ev Event) []jetstream.PublishOpt {
	return []jetstream.PublishOpt{jetstream.WithMsgID(ev.ID), jetstream.WithExpectStream(Stream)}
}
