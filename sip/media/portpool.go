package media

import (
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
)

// PortPool hands out RTP/RTCP port pairs from media.port_min..port_max: RTP on the even
// port, RTCP on the odd one above it (RFC 3550 §11). A pair is taken by binding both
// sockets, so ports held by other processes are skipped rather than double-booked.
//
// Pairs are picked at random, never in order: a port that cannot be guessed is the first
// guard against media injected by someone off the signalling path (the latching rules of
// Endpoint are the second). A released pair rests among the recently released, which are
// handed out only when the rest run dry, so a late packet of the last call rarely finds
// a new one.
type PortPool struct {
	ip       netip.Addr
	min, max int // even min, inclusive max
	latching Latching
	rejects  Rejects

	mu     sync.Mutex
	rng    *rand.Rand // ChaCha8, seeded from crypto/rand
	free   []uint16   // pair indexes (port = min + 2i) not in use nor resting, in no order
	recent pairRing   // pair indexes released lately, oldest first
	held   []bool     // by pair index: handed out and not yet released
	inUse  int
	poll   *Poller // started by the first Endpoint.Start
	closed bool
}

// PoolOption configures a PortPool.
type PoolOption func(*PortPool)

// WithLatching sets which sources may latch the pool's endpoints (default LatchStrict).
func WithLatching(l Latching) PoolOption { return func(p *PortPool) { p.latching = l } }

// NewPortPool returns a pool on ip over the inclusive range [min, max].
func NewPortPool(ip netip.Addr, min, max int, opts ...PoolOption) (*PortPool, error) {
	if min%2 == 1 {
		min++
	}
	if min < 1 || max > 65535 || max-min < 1 {
		return nil, fmt.Errorf("media: port range %d-%d holds no RTP/RTCP pair", min, max)
	}
	var seed [32]byte
	crand.Read(seed[:]) // never fails (crypto/rand, Go 1.24)
	p := &PortPool{ip: ip, min: min, max: max, rng: rand.New(rand.NewChaCha8(seed))}
	n := p.Capacity()
	p.free = make([]uint16, n)
	for i := range p.free {
		p.free[i] = uint16(i)
	}
	p.recent = pairRing{buf: make([]uint16, n)}
	p.held = make([]bool, n)
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// Capacity is the number of port pairs in the range.
func (p *PortPool) Capacity() int { return (p.max - p.min + 1) / 2 }

// InUse is the number of pairs handed out.
func (p *PortPool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inUse
}

// Rejected counts the datagrams the pool's endpoints dropped unseen, by reason.
func (p *PortPool) Rejected() *Rejects { return &p.rejects }

// Open binds a free pair, picked at random, and returns it as an Endpoint.
func (p *PortPool) Open() (*Endpoint, error) {
	var ep *Endpoint
	err := p.take(func(port int) error {
		rtpSock, rtcpSock, err := p.bindPair(port)
		if err != nil {
			return err
		}
		ep = newEndpoint(rtpSock, rtcpSock, p.poller, p.latching, &p.rejects, func() { p.release(port) })
		return nil
	})
	return ep, err
}

// take reserves a random free pair that bind manages to bind, trying each pair at most
// once. A pair held by another process goes to rest, to be tried again after the others.
func (p *PortPool) take(bind func(port int) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var busy []uint16
	defer func() {
		for _, pair := range busy {
			p.rest(pair)
		}
	}()
	for range p.Capacity() {
		if len(p.free) == 0 && !p.wake() {
			break
		}
		i := p.rng.IntN(len(p.free))
		pair := p.free[i]
		p.free[i] = p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		if bind(p.min+2*int(pair)) != nil {
			busy = append(busy, pair)
			continue
		}
		p.held[pair] = true
		p.inUse++
		return nil
	}
	return ErrPortsExhausted
}

// rest puts a pair among the recently released; beyond a quarter of the range the
// oldest go back to the free ones, so the random choice always has most of the range.
func (p *PortPool) rest(pair uint16) {
	p.recent.push(pair)
	for p.recent.n > p.Capacity()/4 {
		p.free = append(p.free, p.recent.pop())
	}
}

// wake frees the older half of the resting pairs (at least one) when no other is left;
// false when none rests either.
func (p *PortPool) wake() bool {
	if p.recent.n == 0 {
		return false
	}
	for n := (p.recent.n + 1) / 2; n > 0; n-- {
		p.free = append(p.free, p.recent.pop())
	}
	return true
}

func (p *PortPool) release(port int) {
	pair := uint16((port - p.min) / 2)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.held[pair] {
		return
	}
	p.held[pair] = false
	p.inUse--
	p.rest(pair)
}

func (p *PortPool) bindPair(port int) (*udpSocket, *udpSocket, error) {
	rtpSock, err := bindUDP(netip.AddrPortFrom(p.ip, uint16(port)))
	if err != nil {
		return nil, nil, err
	}
	rtcpSock, err := bindUDP(netip.AddrPortFrom(p.ip, uint16(port+1)))
	if err != nil {
		rtpSock.close()
		return nil, nil, err
	}
	return rtpSock, rtcpSock, nil
}

// poller returns the pool's Poller, starting it on first use: one worker per core.
func (p *PortPool) poller() (*Poller, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrPoolClosed
	}
	if p.poll == nil {
		poll, err := newPoller(defaultWorkers())
		if err != nil {
			return nil, err
		}
		p.poll = poll
	}
	return p.poll, nil
}

// Close stops the pool's poller workers. Every endpoint must be closed first.
func (p *PortPool) Close() {
	p.mu.Lock()
	poll := p.poll
	p.poll, p.closed = nil, true
	p.mu.Unlock()
	if poll != nil {
		poll.Close()
	}
}

// pairRing is a FIFO of pair indexes, as large as the range: every pair is in at most
// one of free, recent or held.
type pairRing struct {
	buf     []uint16
	head, n int
}

func (r *pairRing) push(pair uint16) {
	r.buf[(r.head+r.n)%len(r.buf)] = pair
	r.n++
}

func (r *pairRing) pop() uint16 {
	pair := r.buf[r.head]
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return pair
}
