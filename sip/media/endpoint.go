package media

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
)

// PacketHandler receives every RTP packet of a leg, in the leg's reader goroutine. pkt is
// the whole datagram (valid only during the call), h its parsed header, payload the media.
// A handler must never block: media never waits on storage or NATS.
type PacketHandler interface {
	HandleRTP(pkt []byte, h *rtp.Header, payload []byte)
}

// PacketHandlerFunc adapts a function to PacketHandler.
type PacketHandlerFunc func(pkt []byte, h *rtp.Header, payload []byte)

// HandleRTP calls f.
func (f PacketHandlerFunc) HandleRTP(pkt []byte, h *rtp.Header, payload []byte) { f(pkt, h, payload) }

type handlerBox struct{ h PacketHandler }

// Endpoint is one leg's anchored media: an RTP socket and its RTCP neighbour on the
// gateway. It sends to the address from the peer's SDP until the peer's first packet shows
// where it really is, then sends there (symmetric RTP, RFC 4961), which gets media through
// NATs that rewrite the port the SDP announced. It takes packets only from that party
// (see Latching): anything else is dropped and counted before a handler could see it.
//
// Its sockets are read by the pool's Poller, not by goroutines of their own: handlers run
// on a poller worker, and must neither block nor Close an endpoint.
type Endpoint struct {
	rtp, rtcp *udpSocket
	local     netip.AddrPort
	poller    func() (*Poller, error)
	latching  Latching
	rejects   *Rejects // the pool's, for metrics

	// remoteMu orders SetRemote calls; the worker swaps in a latched state without it.
	remoteMu              sync.Mutex
	remoteRTP, remoteRTCP atomic.Pointer[peerAddr]

	handler  atomic.Pointer[handlerBox]
	rtcpPeer atomic.Pointer[Endpoint]
	srtp     *srtpSession // nil = plain RTP; set before Start

	// Counters read by logs and tests; written only by this endpoint's reader. Rejected
	// counts every datagram dropped unseen, Malformed those of them that were no RTP.
	PacketsIn, PacketsOut, Malformed, Rejected, RTCPRelayed atomic.Uint64
	logged                                                  atomic.Uint32 // reasons logged, by bit

	log *slog.Logger

	// Owned by the poller worker that reads the sockets.
	rtpIn, rtcpIn socketReader
	hdr           rtp.Header

	// closeMu keeps writes off the sockets once Close has begun: another goroutine (the
	// prompt player, the other leg's worker) may be sending when the call ends, and a
	// closed fd number can be reused at once.
	closeMu sync.RWMutex
	closed  bool // written under both life and closeMu
	// life orders Start and Close: a Close waits for a Start's registration.
	life      sync.Mutex
	worker    *pollWorker
	closeOnce sync.Once
	release   func()
}

func newEndpoint(rtpSock, rtcpSock *udpSocket, poller func() (*Poller, error), latching Latching, rejects *Rejects, release func()) *Endpoint {
	return &Endpoint{
		rtp:      rtpSock,
		rtcp:     rtcpSock,
		local:    rtpSock.local,
		poller:   poller,
		latching: latching,
		rejects:  rejects,
		release:  release,
		log:      slog.New(slog.DiscardHandler),
	}
}

// LocalAddr is the RTP address to put in this leg's SDP.
func (e *Endpoint) LocalAddr() netip.AddrPort { return e.local }

// Start hands both sockets to a poller worker until Close. log is the call's logger.
func (e *Endpoint) Start(log *slog.Logger) error {
	if log != nil {
		e.log = log
	}
	p, err := e.poller()
	if err != nil {
		return err
	}
	e.rtpIn = socketReader{e: e, sock: e.rtp, buf: make([]byte, 1500), handle: (*Endpoint).takeRTP}
	e.rtcpIn = socketReader{e: e, sock: e.rtcp, buf: make([]byte, 1500), handle: (*Endpoint).takeRTCP}
	if e.srtp != nil {
		e.rtpIn.plain = make([]byte, 0, 1500)
		e.rtcpIn.plain = make([]byte, 0, 1500)
	}
	// life, not closeMu: a worker may be sending on this endpoint (from the other leg's
	// handler) while it applies the adds, and sends only take closeMu.
	e.life.Lock()
	defer e.life.Unlock()
	if e.closed {
		return net.ErrClosed
	}
	e.worker = p.pick()
	if err := e.worker.add(e.rtp.fd, &e.rtpIn); err != nil {
		return err
	}
	return e.worker.add(e.rtcp.fd, &e.rtcpIn) // Close removes both either way
}

// SetHandler changes who receives this leg's packets; nil drops them.
func (e *Endpoint) SetHandler(h PacketHandler) {
	if h == nil {
		e.handler.Store(nil)
		return
	}
	e.handler.Store(&handlerBox{h})
}

// SetRemote sets the peer's addresses from its SDP (offer, answer or re-INVITE). Until
// the peer's first packet latches, only these addresses are accepted (LatchNAT: their
// IPs, any port); a new address starts latching over against it alone, the same one
// keeps the latch. An address the sockets cannot reach (IPv6 on an IPv4 socket) is
// ErrAddressFamily and changes nothing.
func (e *Endpoint) SetRemote(rtpAddr, rtcpAddr netip.AddrPort) error {
	rtpPeer, err := e.rtp.peerFromSDP(rtpAddr)
	if err != nil {
		return err
	}
	rtcpPeer, err := e.rtcp.peerFromSDP(rtcpAddr)
	if err != nil {
		return err
	}
	e.remoteMu.Lock()
	defer e.remoteMu.Unlock()
	rearm(&e.remoteRTP, rtpPeer)
	rearm(&e.remoteRTCP, rtcpPeer)
	return nil
}

// Remote is where RTP for this leg is sent now.
func (e *Endpoint) Remote() (netip.AddrPort, bool) {
	p := sendable(e.remoteRTP.Load())
	if p == nil {
		return netip.AddrPort{}, false
	}
	return p.addr, true
}

func sendable(p *peerAddr) *peerAddr {
	if p == nil || !p.addr.IsValid() || p.addr.Addr().IsUnspecified() {
		return nil
	}
	return p
}

// WriteRTP sends one RTP packet to the leg's peer.
func (e *Endpoint) WriteRTP(pkt []byte) error {
	to := sendable(e.remoteRTP.Load())
	if to == nil {
		return ErrNoRemote
	}
	var err error
	if e.srtp != nil {
		err = e.srtp.protectRTP(pkt, e.rtp, &to.raw, e.send)
	} else {
		err = e.send(e.rtp, pkt, &to.raw)
	}
	if err == nil {
		e.PacketsOut.Add(1)
	}
	return err
}

// send writes b on s unless the endpoint is closing.
func (e *Endpoint) send(s *udpSocket, b []byte, to *rawAddr) error {
	e.closeMu.RLock()
	defer e.closeMu.RUnlock()
	if e.closed {
		return net.ErrClosed
	}
	return s.sendTo(b, to)
}

// RelayRTCPTo forwards this leg's RTCP to other's peer (nil stops it). RTCP is passed
// through unchanged: both ends keep their own reports, the gateway does not terminate it.
func (e *Endpoint) RelayRTCPTo(other *Endpoint) { e.rtcpPeer.Store(other) }

// Close takes the sockets off the poller, closes them and returns the ports to the pool.
// No handler runs after Close returns. It must not be called from a handler.
func (e *Endpoint) Close() {
	e.closeOnce.Do(func() {
		e.life.Lock()
		e.closeMu.Lock()
		e.closed = true
		e.closeMu.Unlock()
		w := e.worker
		e.life.Unlock()
		if w != nil {
			w.remove(e.rtp.fd)
			w.remove(e.rtcp.fd)
		}
		e.rtp.close()
		e.rtcp.close()
		e.release()
	})
}

// writeRTCP sends one RTCP packet to the leg's peer, as WriteRTP does RTP.
func (e *Endpoint) writeRTCP(pkt []byte) error {
	to := sendable(e.remoteRTCP.Load())
	if to == nil {
		return ErrNoRemote
	}
	if e.srtp != nil {
		return e.srtp.protectRTCP(pkt, e.rtcp, &to.raw, e.send)
	}
	return e.send(e.rtcp, pkt, &to.raw)
}
