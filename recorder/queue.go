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
// 24 bytes: the arrival is kept as an offset from the recording's start (a time.Time
// takes 24 bytes alone), which keeps the monotonic clock reading when added back.
type queued struct {
	at     time.Duration
	ssrc   uint32
	ts     uint32
	off, n uint16
	ch     Channel
}

// batch is what arrived between two ticks: packet headers and their payloads in one slab.
type batch struct {
	pkts []queued
	data []byte
}

func newBatch() *batch {
	return &batch{pkts: make([]queued, 0, inboxPackets), data: make([]byte, 0, inboxBytes)}
}

// inbox takes packets from the media path without waking anyone: a Write appends under
// a mutex held for one copy, and the scheduler's worker swaps the filled batch for its
// empty spare at each tick. A recording owns one batch and each worker one spare, which
// go round among the worker's recordings, so nothing is allocated after Start.
type inbox struct {
	mu   sync.Mutex
	fill *batch
}

// put copies payload in; false when the batch is full.
func (q *inbox) put(ch Channel, ssrc, ts uint32, at time.Duration, payload []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.fill
	if len(b.pkts) == cap(b.pkts) || len(b.data)+len(payload) > cap(b.data) {
		return false
	}
	off := len(b.data)
	b.data = append(b.data, payload...)
	b.pkts = append(b.pkts, queued{at: at, ssrc: ssrc, ts: ts, off: uint16(off), n: uint16(len(payload)), ch: ch})
	return true
}

// swap puts empty in place of the filled batch and returns that; the caller owns it
// until it hands it to another swap. Swapping in a batch without capacity closes the
// inbox: later packets count as dropped.
func (q *inbox) swap(empty *batch) *batch {
	empty.pkts, empty.data = empty.pkts[:0], empty.data[:0]
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.fill
	q.fill = empty
	return b
}
