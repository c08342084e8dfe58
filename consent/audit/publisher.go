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
	// retryFor is how long the background worker retries one event while NATS is away
	// before it gives the event up (and logs that it did).
	retryFor = time.Minute
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
// long) the event is dropped and counted: media and signalling never wait on the audit
// trail.
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
	return p.send(ctx, ev)
}

// Dropped is how many events were given up.
func (p *Publisher) Dropped() int64 { return p.dropped.Load() }

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

func (p *Publisher) send(ctx context.Context, ev Event) error {
	body, err := encode(ev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	if _, err := p.o.JS.Publish(ctx, Subject(ev.Kind), body, publishOpts(ev)...); err != nil {
		return fmt.Errorf("audit: publishing %s event: %w", ev.Kind, err)
	}
	return nil
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

func (p *Publisher) drop(ev Event, why error) {
	p.dropped.Add(1)
	p.log.Error("audit event dropped", "kind", ev.Kind, "event_id", ev.ID, "error", why)
}

// work publishes queued events in order, many at a time: it sends whatever is queued (up
// to maxInFlight) before it waits for the stream's acknowledgements, so a burst of
// events (calls ending together) costs one round trip, not one per event. An event whose
// publish failed is then retried on its own (the stream dedupes by id) for up to
// retryFor while NATS is away; at Close it drains what is queued.
func (p *Publisher) work() {
	defer close(p.done)
	batch := make([]Event, 0, maxInFlight)
	for {
		select {
		case ev := <-p.queue:
			p.deliverAll(p.fill(append(batch[:0], ev)))
		case <-p.closing:
			for {
				select {
				case ev := <-p.queue:
					p.deliverAll(p.fill(append(batch[:0], ev)))
				default:
					return
				}
			}
		}
	}
}

// fill adds queued events to batch, up to maxInFlight, without waiting for more.
func (p *Publisher) fill(batch []Event) []Event {
	for len(batch) < maxInFlight {
		select {
		case ev := <-p.queue:
			batch = append(batch, ev)
		default:
			return batch
		}
	}
	return batch
}

// deliverAll publishes batch asynchronously, then waits for each acknowledgement in turn;
// an event that was not acknowledged is delivered again on its own.
func (p *Publisher) deliverAll(batch []Event) {
	acks := make([]jetstream.PubAckFuture, len(batch))
	for i, ev := range batch {
		body, err := encode(ev)
		if err != nil {
			p.drop(ev, err)
			continue
		}
		ack, err := p.o.JS.PublishAsync(Subject(ev.Kind), body, publishOpts(ev)...)
		if err != nil {
			p.deliver(ev) // refused at once (too many pending, no connection)
			continue
		}
		acks[i] = ack
	}
	timeout := time.NewTimer(publishTimeout)
	defer timeout.Stop()
	expired := false
	for i, ack := range acks {
		if ack == nil {
			continue // dropped or delivered above
		}
		if expired {
			select {
			case <-ack.Ok():
				continue
			default:
			}
		} else {
			select {
			case <-ack.Ok():
				continue
			case <-ack.Err():
			case <-timeout.C:
				expired = true // the rest get no more waiting than their own retry
			}
		}
		p.deliver(batch[i]) // a repeat of a stored event is deduplicated by its id
	}
}

func (p *Publisher) deliver(ev Event) {
	deadline := time.Now().Add(retryFor)
	wait := 100 * time.Millisecond
	for {
		err := p.send(context.Background(), ev)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			p.drop(ev, err)
			return
		}
		select {
		case <-time.After(wait):
		case <-p.closing:
			// Stopping: one more try per event, not a minute each.
			if err := p.send(context.Background(), ev); err != nil {
				p.drop(ev, err)
			}
			return
		}
		wait = min(2*wait, 5*time.Second)
	}
}
