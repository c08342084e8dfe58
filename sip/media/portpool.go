package media

import (
	"fmt"
	"net/netip"
	"sync"
)

// PortPool hands out RTP/RTCP port pairs from media.port_min..port_max: RTP on the even
// port, RTCP on the odd one above it (RFC 3550 §11). A pair is taken by binding both
// sockets, so ports held by other processes are skipped rather than double-booked.
type PortPool struct {
	ip       netip.Addr
	min, max int // even min, inclusive max

	mu     sync.Mutex
	next   int          // where the next search starts, so ports are reused last
	used   map[int]bool // RTP ports handed out and not yet released
	poll   *Poller      // started by the first Endpoint.Start
	closed bool
}

// NewPortPool returns a pool on ip over the inclusive range [min, max].
func NewPortPool(ip netip.Addr, min, max int) (*PortPool, error) {
	if min%2 == 1 {
		min++
	}
	if min < 1 || max > 65535 || max-min < 1 {
		return nil, fmt.Errorf("media: port range %d-%d holds no RTP/RTCP pair", min, max)
	}
	return &PortPool{ip: ip, min: min, max: max, next: min, used: make(map[int]bool)}, nil
}

// Capacity is the number of port pairs in the range.
func (p *PortPool) Capacity() int { return (p.max - p.min + 1) / 2 }

// InUse is the number of pairs handed out.
func (p *PortPool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.used)
}

// Open binds the next free pair and returns it as an Endpoint.
func (p *PortPool) Open() (*Endpoint, error) {
	var ep *Endpoint
	err := p.take(func(port int) error {
		rtpSock, rtcpSock, err := p.bindPair(port)
		if err != nil {
			return err
		}
		ep = newEndpoint(rtpSock, rtcpSock, p.poller, func() { p.release(port) })
		return nil
	})
	return ep, err
}

// take reserves the next pair that bind manages to bind, so ports held by other
// processes are skipped rather than double-booked.
func (p *PortPool) take(bind func(port int) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for tried := 0; tried < p.Capacity(); tried++ {
		port := p.next
		p.next += 2
		if p.next+1 > p.max {
			p.next = p.min
		}
		if p.used[port] || bind(port) != nil {
			continue
		}
		p.used[port] = true
		return nil
	}
	return ErrPortsExhausted
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

func (p *PortPool) release(port int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.used, port)
}
