package media

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"syscall"
)

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
		if !errors.Is(err, syscall.EAGAIN) && r.e.Malformed.Add(1) == 1 {
			r.e.log.Warn("rtp read failed", "error", err)
		}
		return
	}
	r.handle(r.e, r.buf[:n], &r.from)
}

// takeRTP runs on the worker for every datagram on the RTP port. Only a packet from the
// leg's peer that parses (and, with SRTP, authenticates) latches or reaches the handler:
// the IVR, the relay and the recorder never see anyone else's.
func (e *Endpoint) takeRTP(pkt []byte, from *rawAddr) {
	p, src, ok := e.screen(pkt, &e.remoteRTP, from)
	if !ok {
		return
	}
	if e.srtp != nil {
		var err error
		// RFC 3711 §3.3: a packet that fails authentication is dropped unseen.
		if pkt, err = e.srtp.rtpIn.DecryptRTP(e.rtpIn.plain[:0], pkt, nil); err != nil {
			e.reject(RejectUnauthenticated, "dropping srtp packet that fails authentication", err)
			return
		}
	}
	payload, err := ParsePacket(pkt, &e.hdr)
	if err != nil {
		// A broken datagram must not end the call (and must not latch).
		e.Malformed.Add(1)
		e.reject(RejectMalformed, "dropping malformed rtp", err)
		return
	}
	e.rtp.latch(&e.remoteRTP, p, src)
	e.PacketsIn.Add(1)
	if box := e.handler.Load(); box != nil {
		box.h.HandleRTP(pkt, &e.hdr, payload)
	}
}

// takeRTCP runs on the worker for every datagram on the RTCP port, with the same checks.
func (e *Endpoint) takeRTCP(pkt []byte, from *rawAddr) {
	p, src, ok := e.screen(pkt, &e.remoteRTCP, from)
	if !ok {
		return
	}
	if e.srtp != nil {
		var err error
		if pkt, err = e.srtp.rtcpIn.DecryptRTCP(e.rtcpIn.plain[:0], pkt, nil); err != nil {
			e.reject(RejectUnauthenticated, "dropping srtcp packet that fails authentication", err)
			return
		}
	}
	e.rtcp.latch(&e.remoteRTCP, p, src)
	peer := e.rtcpPeer.Load()
	if peer == nil {
		return
	}
	if peer.writeRTCP(pkt) == nil {
		e.RTCPRelayed.Add(1)
	}
}

// screen drops a datagram that is no RTP or RTCP by its first octet (RFC 7983 §7), or
// that comes from anyone but the leg's peer (see Latching). It returns the peer state it
// checked, for the latch.
//
// The sockets stay unconnected, even once latched: a connected socket would have the
// kernel drop other sources unseen and uncounted. The check costs a comparison per packet.
func (e *Endpoint) screen(pkt []byte, remote *atomic.Pointer[peerAddr], from *rawAddr) (*peerAddr, netip.AddrPort, bool) {
	if reason, ok := demux(pkt); !ok {
		if reason == RejectMalformed {
			e.Malformed.Add(1)
		}
		e.reject(reason, "dropping a datagram that is neither rtp nor rtcp", nil)
		return nil, netip.AddrPort{}, false
	}
	p, src := remote.Load(), from.addrPort()
	if !e.latching.accepts(p, src) {
		e.reject(RejectUnexpectedSource, "dropping media from a source the peer's sdp did not name", nil)
		return nil, netip.AddrPort{}, false
	}
	return p, src, true
}

// reject counts a dropped datagram and logs the first of each reason on this endpoint:
// a line per packet would let anyone who sprays the port range flood the log. STUN is
// what some phones send on their RTP port (ICE connectivity checks): debug only.
func (e *Endpoint) reject(reason RejectReason, msg string, err error) {
	e.Rejected.Add(1)
	e.rejects.add(reason)
	bit := uint32(1) << reason
	if e.logged.Or(bit)&bit != 0 {
		return
	}
	level := slog.LevelWarn
	if reason == RejectSTUN {
		level = slog.LevelDebug
	}
	attrs := []any{"reason", reason.String()}
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	e.log.Log(context.Background(), level, msg, attrs...)
}
