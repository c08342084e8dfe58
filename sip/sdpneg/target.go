package sdpneg

import (
	"fmt"
	"net/netip"
)

// limitedBroadcast is 255.255.255.255 (RFC 919); a directed broadcast address cannot be
// told from a host's without the peer's netmask.
var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// CheckTarget says why the gateway cannot take the offer's audio stream: it is disabled
// (port 0, RFC 3264 §5.1) or not unicast (CheckUnicast).
func (d *Description) CheckTarget() error {
	if d.Port == 0 {
		return ErrStreamDisabled
	}
	return d.CheckUnicast()
}

// CheckUnicast refuses a multicast or broadcast connection address (RFC 4566 §5.7 allows
// multicast c= lines; a relay that sent a caller's audio there would hand it to a group).
// The zero address is the legacy hold form (RFC 3264 §8.4) and passes: nothing is sent to
// it.
func (d *Description) CheckUnicast() error {
	if d.Addr.IsMulticast() || d.Addr == limitedBroadcast {
		return fmt.Errorf("audio to %s: %w", d.Addr, ErrNotUnicast)
	}
	return nil
}
