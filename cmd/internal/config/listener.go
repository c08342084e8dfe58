package config

import (
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Listener is one parsed sip.listen entry.
type Listener struct {
	Transport string // udp|tcp|tls|ws|wss
	Host      string // IP or host name, without IPv6 brackets
	Port      int    // 0 = any free port (tests)
}

// Addr is host:port for net.Listen.
func (l Listener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// String is the form ParseListener reads.
func (l Listener) String() string { return l.Transport + ":" + l.Addr() }

// ParseListener reads "transport:host:port", e.g. "udp:0.0.0.0:5060" or "tcp:[::1]:5060".
func ParseListener(s string) (Listener, error) {
	transport, hostport, ok := strings.Cut(s, ":")
	if !ok {
		return Listener{}, invalid("listener %q: want transport:host:port, e.g. udp:0.0.0.0:5060", s)
	}
	transport = strings.ToLower(transport)
	switch transport {
	case "udp", "tcp", "tls", "ws", "wss":
	default:
		return Listener{}, invalid("listener %q: unknown transport %q: want udp, tcp, tls, ws or wss", s, transport)
	}
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return Listener{}, invalid("listener %q: %v", s, err)
	}
	if host == "" {
		return Listener{}, invalid("listener %q: host is empty: use 0.0.0.0 or [::] for all interfaces", s)
	}
	return Listener{Transport: transport, Host: host, Port: port}, nil
}

// Listeners parses sip.listen.
func (c *Config) Listeners() ([]Listener, error) {
	out := make([]Listener, 0, len(c.SIP.Listen))
	for i, s := range c.SIP.Listen {
		l, err := ParseListener(s)
		if err != nil {
			return nil, c.fieldError(indexPath("sip.listen", i), err)
		}
		out = append(out, l)
	}
	return out, nil
}

// splitHostPort checks "host:port" with a port in 0..65535 and a host that is an IP
// literal, a DNS name, or empty.
func splitHostPort(s string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, invalid("%q is not host:port", s)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, invalid("%q: port %q is not a number in 0..65535", s, portStr)
	}
	if host != "" && !validHost(host) {
		return "", 0, invalid("%q: %q is neither an IP address nor a host name", s, host)
	}
	return host, port, nil
}

var hostLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// validHost accepts IP literals and DNS names (RFC 1123 §2.1 labels).
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(h, "."), ".") {
		if !hostLabel.MatchString(label) {
			return false
		}
	}
	return true
}
