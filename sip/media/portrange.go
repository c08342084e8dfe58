package media

// InRange tells whether port lies in the pool's range, in use or not: an SDP that points
// media at it would make the gateway send a call's media to itself.
func (p *PortPool) InRange(port int) bool { return port >= p.min && port <= p.max }
