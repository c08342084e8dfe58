package media

// Holds tells whether port is the RTP or RTCP port of a pair the pool handed out: an SDP
// that points media at it would make the gateway send a call's media to itself.
func (p *PortPool) Holds(port int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used[port] || (port%2 == 1 && p.used[port-1])
}
