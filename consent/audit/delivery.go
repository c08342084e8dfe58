package audit

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// What the log says about an event is what is known about it, no more:
//   - "audit event dropped": the event was never handed to NATS (queue full, publisher
//     closed, not encodable, or NATS still away when the publisher stopped), or the
//     stream refused it for good (4xx), so the stream does not hold it;
//   - "audit event unconfirmed": it was sent but no acknowledgement came before the
//     publisher stopped. NATS may still deliver it (a client buffers what it publishes
//     while reconnecting, and a server that was only slow stores it late), so the stream
//     may hold it: look for its id;
//   - "audit events waiting" / "audit events stored again": an outage began and ended;
//     the event named was held and retried (the stream dedupes by id) until stored.
//
// A fixed retry deadline used to log "dropped" for events whose earlier copies NATS
// delivered on reconnecting: an event is now retried until it is stored or the
// publisher stops.

// work publishes queued events in order, many at a time: it sends whatever is queued (up
// to maxInFlight) before it waits for the stream's acknowledgements, so a burst of
// events (calls ending together) costs one round trip, not one per event. An event that
// was not acknowledged is then retried on its own until it is; at Close it drains what is
// queued.
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
// an event that was not acknowledged is delivered again on its own. While the connection
// is down nothing is published: a publish would only wait in the client's reconnect
// buffer.
func (p *Publisher) deliverAll(batch []Event) {
	acks := make([]jetstream.PubAckFuture, len(batch))
	for i, ev := range batch {
		if !p.connected() || (p.stopping() && p.stopFailed) {
			p.deliver(ev, 0)
			continue
		}
		body, err := encode(ev)
		if err != nil {
			p.drop(ev, err)
			continue
		}
		ack, err := p.o.JS.PublishAsync(Subject(ev.Kind), body, publishOpts(ev)...)
		if err != nil {
			p.deliver(ev, 0) // refused before it was sent (too many pending, no connection)
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
		err := errNoAck
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
			case err = <-ack.Err():
			case <-timeout.C:
				expired = true // the rest get no more waiting than their own retry
			}
		}
		if refused(err) {
			p.drop(batch[i], err)
			continue
		}
		p.wait(batch[i], err)
		p.deliver(batch[i], 1) // a repeat of a stored event is deduplicated by its id
	}
}

// deliver publishes ev until the stream acknowledges it, waiting while NATS is away;
// sent is how often it was already sent. When the publisher stops first, the event gets
// one more try and is then reported as dropped (never sent) or unconfirmed (sent,
// perhaps stored); once a try has failed while stopping, the events after it get none,
// so a gateway stopping during an outage is not held 5 s per queued event.
func (p *Publisher) deliver(ev Event, sent int) {
	wait := 100 * time.Millisecond
	for {
		if p.stopping() && p.stopFailed {
			p.giveUp(ev, sent, errNotTried)
			return
		}
		err := errNotConnected
		if p.connected() {
			var ack *jetstream.PubAck
			ack, err = p.publish(context.Background(), ev)
			sent++
			if err == nil {
				p.stored(ev, ack)
				return
			}
			if refused(err) {
				p.drop(ev, err)
				return
			}
		}
		if p.stopping() {
			p.stopFailed = true
			p.giveUp(ev, sent, err)
			return
		}
		p.wait(ev, err)
		select {
		case <-time.After(wait):
		case <-p.closing:
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func (p *Publisher) stopping() bool {
	select {
	case <-p.closing:
		return true
	default:
		return false
	}
}

// refused tells a final answer of the stream (4xx: no such stream, a message it will
// not take) from an outage: retrying would hold every event behind this one for good.
// An earlier copy that was stored would have made this publish a duplicate, not an
// error, so the stream does not hold the event.
func refused(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) && api.Code >= 400 && api.Code < 500
}

func (p *Publisher) connected() bool { return p.o.JS.Conn().IsConnected() }

// wait logs the start of an outage, once.
func (p *Publisher) wait(ev Event, err error) {
	if !p.outageSince.IsZero() {
		return
	}
	p.outageSince = time.Now()
	p.log.Warn("audit events waiting: the stream does not acknowledge them; each is kept and retried until it is stored",
		"kind", ev.Kind, "event_id", ev.ID, "queued", len(p.queue), "error", err)
}

// stored ends an outage: deliver holds one event until it is stored, so the first event
// stored after the outage began is the one it began with.
func (p *Publisher) stored(ev Event, ack *jetstream.PubAck) {
	since := p.outageSince
	if since.IsZero() {
		return
	}
	p.outageSince = time.Time{}
	// already_stored: an earlier copy, sent before or during the outage, had reached the
	// stream; this publish was a duplicate.
	p.log.Info("audit events stored again", "event_id", ev.ID, "already_stored", ack.Duplicate,
		"waited", time.Since(since).Round(time.Millisecond).String(), "queued", len(p.queue))
}

func (p *Publisher) giveUp(ev Event, sent int, err error) {
	if sent == 0 {
		p.drop(ev, err)
		return
	}
	p.unconfirmed.Add(1)
	p.log.Error("audit event unconfirmed: sent but not acknowledged before the gateway stopped; the stream may hold it",
		"kind", ev.Kind, "event_id", ev.ID, "attempts", sent, "error", err)
}

// drop reports an event the stream does not hold: never sent, or refused.
func (p *Publisher) drop(ev Event, why error) {
	p.dropped.Add(1)
	p.log.Error("audit event dropped: the stream does not hold it", "kind", ev.Kind, "event_id", ev.ID, "error", why)
}
