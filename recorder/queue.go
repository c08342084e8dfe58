package recorder

import "time"

const (
	// maxPayload is 60 ms of G.711, the longest packet the aligner places.
	maxPayload = 480
	// queueLen packets of both channels (about 640 ms of 20 ms audio) may wait
	// for the writer goroutine before packets are dropped.
	queueLen = 64
)

// packet is a pooled copy of one RTP payload.
type packet struct {
	ch   Channel
	ssrc uint32
	ts   uint32
	at   time.Time
	n    int
	data [maxPayload]byte
}

// packetPool is a fixed set of packets cycling between a free list and the work
// queue. Both channels hold every packet, so no send on them ever blocks.
type packetPool struct {
	free  chan *packet
	queue chan *packet
}

func newPacketPool(n int) packetPool {
	p := packetPool{free: make(chan *packet, n), queue: make(chan *packet, n)}
	for range n {
		p.free <- new(packet)
	}
	return p
}

// get returns a free packet or nil when all are queued.
func (p packetPool) get() *packet {
	select {
	case pk := <-p.free:
		return pk
	default:
		return nil
	}
}

// enqueue hands pk to the writer goroutine; false (and pk back in the pool) if
// the queue is full, which the shared capacity rules out.
func (p packetPool) enqueue(pk *packet) bool {
	select {
	case p.queue <- pk:
		return true
	default:
		p.put(pk)
		return false
	}
}

func (p packetPool) put(pk *packet) {
	select {
	case p.free <- pk:
	default:
	}
}
