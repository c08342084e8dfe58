package media

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

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
// NATs that rewrite the port the SDP announced.
//
// Its sockets are read by the pool's Poller, not by goroutines of their own: handlers run
// on a poller worker, and must neither block nor Close an endpoint.
type Endpoint struct {
	rtp, rtcp *udpSocket
	local     netip.AddrPort
	poller    func() (*Poller, error)

	remoteRTP, remoteRTCP   atomic.Pointer[peerAddr]
	latchedRTP, latchedRTCP atomic.Bool

	handler  atomic.Pointer[handlerBox]
	rtcpPeer atomic.Pointer[Endpoint]
	srtp     *srtpSession // nil = plain RTP; set before Start

	// Counters read by metrics; written only by this endpoint's reader.
	PacketsIn, PacketsOut, Malformed, RTCPRelayed atomic.Uint64

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

// peerAddr is where a leg's packets go, also in the kernel's layout for sendto.
type peerAddr struct {
	addr netip.AddrPort
	raw  rawAddr
}

// socketReader is one socket's receive state on the worker: its buffers and the
// endpoint method that takes the datagram.
type socketReader struct {
	e      *Endpoint
	sock   *udpSocket
	buf    []byte
	plain  []byte // SRTP decryption output
	from   rawAddr
	handle func(e *Endpoint, pkt []byte, from *rawAddr)
}

func (r *socketReader) readReady() {
	n, err := r.sock.recvFrom(r.buf, &r.from)
	if err != nil {
		// ECONNREFUSED: an ICMP port unreachable from the connected peer (RFC 1122 §4.1.3.3);
		// RTP goes on, the peer may be back.
		if err != syscall.EAGAIN && err != syscall.ECONNREFUSED && r.e.Malformed.Add(1) == 1 {
			r.e.log.Warn("rtp read failed", "error", err)
		}
		return
	}
	r.handle(r.e, r.buf[:n], &r.from)
}

func newEndpoint(rtpSock, rtcpSock *udpSocket, poller func() (*Poller, error), release func()) *Endpoint {
	return &Endpoint{
		rtp:     rtpSock,
		rtcp:    rtcpSock,
		local:   rtpSock.local,
		poller:  poller,
		release: release,
		log:     slog.New(slog.DiscardHandler),
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

// SetRemote sets the peer's addresses from its SDP (offer, answer or re-INVITE) and lets
// the next packet latch again.
func (e *Endpoint) SetRemote(rtpAddr, rtcpAddr netip.AddrPort) {
	e.closeMu.RLock()
	if !e.closed {
		// Undo the last latch: the new peer may send from anywhere.
		e.rtp.connect(&rawAddr{})
		e.rtcp.connect(&rawAddr{})
	}
	e.closeMu.RUnlock()
	e.remoteRTP.Store(e.peer(rtpAddr))
	e.remoteRTCP.Store(e.peer(rtcpAddr))
	e.latchedRTP.Store(false)
	e.latchedRTCP.Store(false)
}

func (e *Endpoint) peer(addr netip.AddrPort) *peerAddr {
	return &peerAddr{addr: addr, raw: e.rtp.sockaddr(addr)}
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

// takeRTP runs on the worker for every datagram on the RTP port.
func (e *Endpoint) takeRTP(pkt []byte, from *rawAddr) {
	if e.srtp != nil {
		var err error
		// RFC 3711 §3.3: a packet that fails authentication is dropped unseen (and
		// does not latch: it may come from anyone).
		if pkt, err = e.srtp.rtpIn.DecryptRTP(e.rtpIn.plain[:0], pkt, nil); err != nil {
			if e.Malformed.Add(1) == 1 {
				e.log.Warn("dropping srtp packet that fails authentication", "error", err)
			}
			return
		}
	}
	payload, err := ParsePacket(pkt, &e.hdr)
	if err != nil {
		// A stray or hostile datagram must not end the call (and must not latch).
		if e.Malformed.Add(1) == 1 {
			e.log.Warn("dropping malformed rtp", "error", err)
		}
		return
	}
	e.PacketsIn.Add(1)
	e.latch(e.rtp, &e.latchedRTP, &e.remoteRTP, from)
	if box := e.handler.Load(); box != nil {
		box.h.HandleRTP(pkt, &e.hdr, payload)
	}
}

// takeRTCP runs on the worker for every datagram on the RTCP port.
func (e *Endpoint) takeRTCP(pkt []byte, from *rawAddr) {
	if e.srtp != nil {
		var err error
		if pkt, err = e.srtp.rtcpIn.DecryptRTCP(e.rtcpIn.plain[:0], pkt, nil); err != nil {
			return
		}
	}
	e.latch(e.rtcp, &e.latchedRTCP, &e.remoteRTCP, from)
	peer := e.rtcpPeer.Load()
	if peer == nil {
		return
	}
	if peer.writeRTCP(pkt) == nil {
		e.RTCPRelayed.Add(1)
	}
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

// latch points the remote at the first packet's source (RFC 4961 symmetric RTP) and
// connects the socket to it. Only the first packet after an SDP latches, so a later stray
// packet cannot steal the stream (once connected, the kernel drops it unseen); the address
// is converted (and allocated) only then.
func (e *Endpoint) latch(sock *udpSocket, latched *atomic.Bool, remote *atomic.Pointer[peerAddr], from *rawAddr) {
	if latched.Load() {
		return
	}
	p := e.peer(from.addrPort())
	if sock.connect(&p.raw) == nil {
		p.raw.len = 0 // sends go to the connected peer
	}
	remote.Store(p)
	latched.Store(true)
}
