package media

// Holds tells whether port is the RTP or RTCP port of a pair the pool handed out: an SDP
// that points media at it would make the gateway send a call's media to itself.
func (p *PortPool) Holds(port int) bool {
	if port < p.min || port > p.max {
		return false
	}
	pair := (port - p.min) / 2
	p.mu.Lock()
	defer p.mu.Unlock()
	return pair < len(p.held) && p.held[pair]
}
