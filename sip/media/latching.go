package media

import (
	"fmt"
	"net/netip"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Latching says which source may latch a leg (RFC 4961 symmetric RTP: the gateway sends
// to where the peer's packets come from). Whatever the mode, a port accepts media only
// from the party the signalling named, so nobody who merely guesses a port (the "RTP
// bleed" of CVE-2017-14099) can inject a digit into the IVR or take the call's audio.
type Latching uint8

const (
	// LatchStrict accepts packets only from the address and port in the peer's SDP.
	LatchStrict Latching = iota
	// LatchNAT lets the first packet from the SDP's IP, on any port, latch the leg: a
	// caller behind a NAT that rewrites its port. Until then, and from then on, nothing
	// from anywhere else is accepted.
	LatchNAT
)

// ParseLatching reads media.latching: "strict" or "nat".
func ParseLatching(s string) (Latching, error) {
	switch s {
	case "strict":
		return LatchStrict, nil
	case "nat":
		return LatchNAT, nil
	}
	return LatchStrict, fmt.Errorf("media: latching %q: want strict or nat", s)
}

// String is the mode as media.latching spells it.
func (l Latching) String() string {
	if l == LatchNAT {
		return "nat"
	}
	return "strict"
}

// peerAddr is one socket's view of its peer, replaced whole (never changed) so the
// worker reads it with one atomic load.
type peerAddr struct {
	sdp     netip.AddrPort // what the SDP named: before latching, the only source accepted
	addr    netip.AddrPort // where packets go and, once latched, the only source accepted
	raw     rawAddr        // addr in the kernel's layout for sendto
	latched bool
}

// peerFromSDP is the unlatched state for an SDP address. An unspecified address (the
// old hold form, RFC 3264 §8.4) or none at all is no peer: nothing is sent and nothing
// accepted until an SDP names one.
func (s *udpSocket) peerFromSDP(addr netip.AddrPort) (*peerAddr, error) {
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	p := &peerAddr{sdp: addr, addr: addr}
	if !addr.IsValid() || addr.Addr().IsUnspecified() {
		return p, nil
	}
	if !s.reaches(addr.Addr()) {
		return nil, fmt.Errorf("%w: %v from a socket on %v", ErrAddressFamily, addr.Addr(), s.local.Addr())
	}
	p.raw = s.sockaddr(addr)
	return p, nil
}

// reaches tells whether s can exchange datagrams with a: an IPv4 socket only with IPv4
// peers, an IPv6 socket bound to one address only with IPv6 peers, and one bound to ::
// with both (IPv4 as mapped addresses, RFC 4291 §2.5.5.2).
func (s *udpSocket) reaches(a netip.Addr) bool {
	if s.family == unix.AF_INET {
		return a.Is4()
	}
	switch local := s.local.Addr(); {
	case local.IsUnspecified():
		return true
	case local.Is4In6():
		return a.Is4()
	}
	return a.Is6()
}

// accepts tells whether a datagram from src may go on to be parsed (and, if it parses,
// latch). It compares two small values: no allocation, no lock.
func (l Latching) accepts(p *peerAddr, src netip.AddrPort) bool {
	switch {
	case p == nil:
		return false
	case p.latched || l == LatchStrict:
		return src == p.addr
	}
	return src.Addr() == p.sdp.Addr()
}

// rearm is SetRemote's new state for one socket: latching starts over against a new
// SDP address; the same address again (a re-INVITE for hold, a new session version)
// keeps the latch.
func rearm(remote *atomic.Pointer[peerAddr], next *peerAddr) {
	// At most twice round: SetRemote runs under the endpoint's remoteMu, so only the
	// worker's latch (one swap away from an unlatched state) can come in between.
	for {
		old := remote.Load()
		p := next
		if old != nil && old.sdp == next.sdp {
			p = old
		}
		if remote.CompareAndSwap(old, p) {
			return
		}
	}
}

// latch points the socket's peer at src, the first acceptable packet's source, once per
// SDP; the address is converted (and allocated) only then. If SetRemote replaced p
// meanwhile, the new SDP wins.
func (s *udpSocket) latch(remote *atomic.Pointer[peerAddr], p *peerAddr, src netip.AddrPort) {
	if p.latched {
		return
	}
	remote.CompareAndSwap(p, &peerAddr{sdp: p.sdp, addr: src, raw: s.sockaddr(src), latched: true})
}
