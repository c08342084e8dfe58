package media

import (
	"net"
	"net/netip"
)

// OpenSocket takes the next free pair like Open but hands over its RTP port as a Go
// socket, for a media stack that runs its own transport on it (WebRTC: ICE, DTLS and SRTP
// on one port, RFC 8843 / RFC 5761). The RTCP port stays bound, so the pair stays whole.
// release closes both and returns the pair to the pool.
func (p *PortPool) OpenSocket() (conn *net.UDPConn, release func(), err error) {
	err = p.take(func(port int) error {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port))))
		if err != nil {
			return err
		}
		rtcp, err := bindUDP(netip.AddrPortFrom(p.ip, uint16(port+1)))
		if err != nil {
			c.Close()
			return err
		}
		conn = c
		release = func() {
			c.Close()
			rtcp.close()
			p.release(port)
		}
		return nil
	})
	return conn, release, err
}
