package b2bua

import (
	"fmt"
	"net/netip"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/media"
)

// MediaAddr is one address the gateway anchors media on, with the port pool bound on it.
type MediaAddr struct {
	IP    netip.Addr
	Ports *media.PortPool
}

// sameFamily tells whether a media socket on local can exchange packets with peer: an
// IPv4 socket cannot send to an IPv6 address, and the SDP of a leg names one family
// (RFC 4566 §5.7), so a leg's media stays in the family its peer's SDP chose.
func sameFamily(local, peer netip.Addr) bool {
	return local.Unmap().Is4() == peer.Unmap().Is4()
}

// mediaFor picks the media address of peer's family: the primary one (Options.MediaIP)
// or the other family's (Options.DualStack). An offer in a family the gateway has no
// address in cannot be anchored and is refused with 488 (RFC 3264 §6: the answerer
// cannot meet it).
func (s *Server) mediaFor(peer netip.Addr) (MediaAddr, error) {
	primary := MediaAddr{IP: s.opts.MediaIP, Ports: s.opts.Ports}
	if !peer.IsValid() || sameFamily(primary.IP, peer) {
		return primary, nil
	}
	if d := s.opts.DualStack; d != nil && sameFamily(d.IP, peer) {
		return *d, nil
	}
	return MediaAddr{}, Status(sip.StatusNotAcceptableHere, "Not Acceptable Here",
		fmt.Errorf("%w: the peer's media address %v is %s and media.ip has none", ErrAddressFamily, peer, familyName(peer)))
}

// mediaForTarget picks the media address to offer an agent target on: the family of the
// target's host when it is an IP literal, else the primary one (the answer is checked
// against it, see checkAnswerFamily).
func (s *Server) mediaForTarget(target sip.Uri) MediaAddr {
	if ip, err := netip.ParseAddr(target.Host); err == nil {
		if m, err := s.mediaFor(ip); err == nil {
			return m
		}
	}
	return MediaAddr{IP: s.opts.MediaIP, Ports: s.opts.Ports}
}

func familyName(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "IPv4"
	}
	return "IPv6"
}
