package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// MediaIPs is media.ip as addresses: "" gives none (the SIP public address is used),
// otherwise one address, or one IPv4 and one IPv6 address separated by a comma for a
// dual-stack gateway ("192.0.2.10, 2001:db8::10"). The first is the primary one: agent
// targets named by host name are offered media on it.
func (c *Config) MediaIPs() ([]netip.Addr, error) {
	if strings.TrimSpace(c.Media.IP) == "" {
		return nil, nil
	}
	var ips []netip.Addr
	for _, field := range strings.Split(c.Media.IP, ",") {
		field = strings.TrimSpace(field)
		ip, err := netip.ParseAddr(field)
		switch {
		case err != nil || ip.Zone() != "":
			return nil, fmt.Errorf("%q is not an IP address", field)
		case ip.IsUnspecified() || ip.IsMulticast():
			// RFC 3264 §8.4: 0.0.0.0 in SDP means hold; the relay needs a unicast address.
			return nil, fmt.Errorf("%q is not a unicast address the peer can send to", field)
		}
		ip = ip.Unmap()
		for _, other := range ips {
			if other.Is4() == ip.Is4() {
				return nil, fmt.Errorf("%q: at most one IPv4 and one IPv6 address", c.Media.IP)
			}
		}
		ips = append(ips, ip)
	}
	return ips, nil
}
