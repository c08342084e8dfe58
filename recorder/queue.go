package recorder

import (
	"sync"
	"time"
)

const (
	// maxPayload is 60 ms of G.711, the longest packet the aligner places.
	maxPayload = 480
	// inboxPackets and inboxBytes bound what may wait between two ticks: about 400 ms of
	// both channels at 20 ms packets. Beyond that packets are dropped and counted.
	inboxPackets = 40
	inboxBytes   = 8 << 10
)

// queued is one packet waiting in an inbox; its payload is data[off:off+n] of the slab.
type queued struct {
	ch     Channel
	ssrc   uint32
	ts     uint32
	at     time.Time
	off, n int
}

// batch is what arrived between two ticks: packet headers and their payloads in one slab.
type batch struct {
	pkts []queued
	data []byte
}

// inbox takes packets from the media path without waking anyone: a Write appends under
// a mutex held for one copy, and the scheduler swaps the filled batch for an empty one
// at each tick. Two fixed batches cycle, so nothing is allocated after Start.
type inbox struct {
	mu   sync.Mutex
	fill *batch
	next *batch
}

func newInbox() *inbox {
	mk := func() *batch {
		return &batch{pkts: make([]queued, 0, inboxPackets), data: make([]byte, 0, inboxBytes)}
	}
	return &inbox{fill: mk(), next: mk()}
}

// put copies payload in; false when the batch is full.
func (q *inbox) put(ch Channel, ssrc, ts uint32, at time.Time, payload []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.fill
	if len(b.pkts) == cap(b.pkts) || len(b.data)+len(payload) > cap(b.data) {
		return false
	}
	off := len(b.data)
	b.data = append(b.data, payload...)
	b.pkts = append(b.pkts, queued{ch: ch, ssrc: ssrc, ts: ts, at: at, off: off, n: len(payload)})
	return true
}

// take returns the filled batch and puts an empty one in its place. The caller owns the
// batch until its next take: the scheduler, the only taker, handles it in between.
func (q *inbox) take() *batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.fill
	q.next.pkts, q.next.data = q.next.pkts[:0], q.next.data[:0]
	q.fill, q.next = q.next, b
	return b
}

// waiting is the number of packets waiting for the next tick.
func (r *Recorder) waiting() int {
	r.inbox.mu.Lock()
	defer r.inbox.mu.Unlock()
	return len(r.inbox.fill.pkts)
}
