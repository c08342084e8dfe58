package media

import (
	"errors"
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
// NATs that rewrite the port the SDP announced.
type Endpoint struct {
	rtp, rtcp *net.UDPConn
	local     netip.AddrPort

	remoteRTP, remoteRTCP   atomic.Pointer[netip.AddrPort]
	latchedRTP, latchedRTCP atomic.Bool

	handler  atomic.Pointer[handlerBox]
	rtcpPeer atomic.Pointer[Endpoint]
	srtp     *srtpSession // nil = plain RTP; set before Start

	// Counters read by metrics; written only by this endpoint's goroutines.
	PacketsIn, PacketsOut, Malformed, RTCPRelayed atomic.Uint64

	log       *slog.Logger
	wg        sync.WaitGroup
	closeOnce sync.Once
	release   func()
}

func newEndpoint(rtpConn, rtcpConn *net.UDPConn, release func()) *Endpoint {
	return &Endpoint{
		rtp:     rtpConn,
		rtcp:    rtcpConn,
		local:   rtpConn.LocalAddr().(*net.UDPAddr).AddrPort(),
		release: release,
		log:     slog.New(slog.DiscardHandler),
	}
}

// LocalAddr is the RTP address to put in this leg's SDP.
func (e *Endpoint) LocalAddr() netip.AddrPort { return e.local }

// Start runs the RTP and RTCP readers until Close. log is the call's logger.
func (e *Endpoint) Start(log *slog.Logger) {
	if log != nil {
		e.log = log
	}
	e.wg.Add(2)
	go e.readRTP()
	go e.readRTCP()
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
	e.remoteRTP.Store(&rtpAddr)
	e.remoteRTCP.Store(&rtcpAddr)
	e.latchedRTP.Store(false)
	e.latchedRTCP.Store(false)
}

// Remote is where RTP for this leg is sent now.
func (e *Endpoint) Remote() (netip.AddrPort, bool) {
	p := e.remoteRTP.Load()
	if p == nil || !p.IsValid() || p.Addr().IsUnspecified() {
		return netip.AddrPort{}, false
	}
	return *p, true
}

// WriteRTP sends one RTP packet to the leg's peer.
func (e *Endpoint) WriteRTP(pkt []byte) error {
	to, ok := e.Remote()
	if !ok {
		return ErrNoRemote
	}
	write := func(b []byte) error {
		_, err := e.rtp.WriteToUDPAddrPort(b, to)
		return err
	}
	var err error
	if e.srtp != nil {
		err = e.srtp.protectRTP(pkt, write)
	} else {
		err = write(pkt)
	}
	if err == nil {
		e.PacketsOut.Add(1)
	}
	return err
}

// RelayRTCPTo forwards this leg's RTCP to other's peer (nil stops it). RTCP is passed
// through unchanged: both ends keep their own reports, the gateway does not terminate it.
func (e *Endpoint) RelayRTCPTo(other *Endpoint) { e.rtcpPeer.Store(other) }

// Close stops the readers, closes both sockets and returns the ports to the pool.
// It waits for the readers, so no handler runs after Close returns.
func (e *Endpoint) Close() {
	e.closeOnce.Do(func() {
		e.rtp.Close()
		e.rtcp.Close()
		e.wg.Wait()
		e.release()
	})
}

func (e *Endpoint) readRTP() {
	defer e.wg.Done()
	buf := make([]byte, 1500)
	var plain []byte
	if e.srtp != nil {
		plain = make([]byte, 0, 1500)
	}
	var h rtp.Header
	for {
		n, from, err := e.rtp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				e.log.Warn("rtp read failed", "error", err)
			}
			return
		}
		pkt := buf[:n]
		if e.srtp != nil {
			// RFC 3711 §3.3: a packet that fails authentication is dropped unseen (and
			// does not latch: it may come from anyone).
			if pkt, err = e.srtp.rtpIn.DecryptRTP(plain[:0], pkt, nil); err != nil {
				if e.Malformed.Add(1) == 1 {
					e.log.Warn("dropping srtp packet that fails authentication", "error", err)
				}
				continue
			}
		}
		payload, err := ParsePacket(pkt, &h)
		if err != nil {
			// A stray or hostile datagram must not end the call (and must not latch).
			if e.Malformed.Add(1) == 1 {
				e.log.Warn("dropping malformed rtp", "error", err)
			}
			continue
		}
		e.PacketsIn.Add(1)
		latch(&e.latchedRTP, &e.remoteRTP, from)
		if box := e.handler.Load(); box != nil {
			box.h.HandleRTP(pkt, &h, payload)
		}
	}
}

func (e *Endpoint) readRTCP() {
	defer e.wg.Done()
	buf := make([]byte, 1500)
	var plain []byte
	if e.srtp != nil {
		plain = make([]byte, 0, 1500)
	}
	for {
		n, from, err := e.rtcp.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		pkt := buf[:n]
		if e.srtp != nil {
			if pkt, err = e.srtp.rtcpIn.DecryptRTCP(plain[:0], pkt, nil); err != nil {
				continue
			}
		}
		latch(&e.latchedRTCP, &e.remoteRTCP, from)
		peer := e.rtcpPeer.Load()
		if peer == nil {
			continue
		}
		if to := peer.remoteRTCP.Load(); to != nil && to.IsValid() && !to.Addr().IsUnspecified() {
			write := func(b []byte) error {
				_, err := peer.rtcp.WriteToUDPAddrPort(b, *to)
				return err
			}
			if peer.srtp != nil {
				err = peer.srtp.protectRTCP(pkt, write)
			} else {
				err = write(pkt)
			}
			if err == nil {
				e.RTCPRelayed.Add(1)
			}
		}
	}
}

// latch points the remote at the first packet's source (RFC 4961 symmetric RTP). Only the
// first packet after an SDP latches, so a later stray packet cannot steal the stream.
func latch(latched *atomic.Bool, remote *atomic.Pointer[netip.AddrPort], from netip.AddrPort) {
	if latched.Load() {
		return
	}
	// A new variable, not &from: taking the parameter's address would move it to the
	// heap on every call, one allocation per packet even when already latched.
	addr := netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	remote.Store(&addr)
	latched.Store(true)
}
