package media

import "sync/atomic"

// RejectReason is why a datagram on a media port was dropped before any handler saw it.
type RejectReason uint8

const (
	// RejectUnexpectedSource: from an address the peer's SDP (or, once latched, its
	// first packet) did not name.
	RejectUnexpectedSource RejectReason = iota
	// RejectMalformed: neither STUN nor RTP/RTCP by its first octet (RFC 7983 §7), or
	// an RTP header that does not parse.
	RejectMalformed
	// RejectSTUN: a STUN message (RFC 7983 §7: first octet 0..3), such as the binding
	// requests some phones send on their RTP port. Plain RTP legs do no ICE: it is
	// dropped quietly.
	RejectSTUN
	// RejectUnauthenticated: an SRTP or SRTCP packet that fails authentication
	// (RFC 3711 §3.3).
	RejectUnauthenticated
	numRejectReasons
)

// String is the reason's label in consentgw_media_rejected_total.
func (r RejectReason) String() string {
	switch r {
	case RejectUnexpectedSource:
		return "unexpected_source"
	case RejectMalformed:
		return "malformed"
	case RejectSTUN:
		return "stun"
	case RejectUnauthenticated:
		return "unauthenticated"
	}
	return "unknown"
}

// Rejects counts dropped datagrams by reason, for every endpoint of a pool.
type Rejects struct {
	n [numRejectReasons]atomic.Uint64
}

func (r *Rejects) add(reason RejectReason) { r.n[reason].Add(1) }

// Count is how many datagrams were dropped for reason.
func (r *Rejects) Count(reason RejectReason) uint64 { return r.n[reason].Load() }

// Snapshot is every reason's count by its label.
func (r *Rejects) Snapshot() map[string]uint64 {
	m := make(map[string]uint64, numRejectReasons)
	for reason := range numRejectReasons {
		m[reason.String()] = r.Count(reason)
	}
	return m
}

// demux classifies a datagram on a media port by its first octet (RFC 7983 §7): 0..3 is
// STUN, 128..191 RTP or RTCP (version 2); the rest (ZRTP, DTLS, TURN channels) has no
// place on a plain RTP leg.
func demux(pkt []byte) (RejectReason, bool) {
	switch {
	case len(pkt) == 0:
		return RejectMalformed, false
	case pkt[0] <= 3:
		return RejectSTUN, false
	case pkt[0] >= 128 && pkt[0] <= 191:
		return 0, true
	}
	return RejectMalformed, false
}
