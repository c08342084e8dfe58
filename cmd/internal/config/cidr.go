package config

import (
	"net/netip"
	"strings"
)

// ParsePrefix reads a network for sip.trusted or routes[].sources: a CIDR like
// 203.0.113.0/24 or a single address (taken as /32 or /128).
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, invalid("%q is not a CIDR like 203.0.113.0/24", s)
		}
		if p.Masked() != p {
			return netip.Prefix{}, invalid("%q has host bits set: did you mean %s?", s, p.Masked())
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, invalid("%q is neither an IP address nor a CIDR", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// Prefixes parses a validated list of networks; entries that do not parse (rejected by
// Validate) are left out.
func Prefixes(list []string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}
