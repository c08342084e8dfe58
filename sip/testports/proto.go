package testports

// Proto is the set of transports a reserved port must be free for.
type Proto uint8

const (
	// UDP ports, for SIP over UDP, RTP and RTCP.
	UDP Proto = 1 << iota
	// TCP ports, for SIP over TCP or TLS, HTTP, NATS and control sockets.
	TCP
	// UDPAndTCP is a port a server listens on with both (SIP on one port, RFC 3261 §18).
	UDPAndTCP = UDP | TCP
)

func (p Proto) String() string {
	switch p {
	case UDP:
		return "udp"
	case TCP:
		return "tcp"
	case UDPAndTCP:
		return "udp+tcp"
	}
	return "none"
}
