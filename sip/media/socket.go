package media

import "net"

// OpenSocket takes the next free pair like Open but hands over its RTP socket raw, for a
// media stack that runs its own transport on it (WebRTC: ICE, DTLS and SRTP on one port,
// RFC 8843 / RFC 5761). release closes it and returns the pair to the pool.
func (p *PortPool) OpenSocket() (conn *net.UDPConn, release func(), err error) {
	ep, err := p.Open()
	if err != nil {
		return nil, nil, err
	}
	return ep.rtp, ep.Close, nil
}
