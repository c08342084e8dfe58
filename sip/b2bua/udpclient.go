package b2bua

import (
	"fmt"
	"net"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// useUDPListener makes every UDP request of the gateway (agent INVITE, CANCEL, ACK, BYE,
// re-INVITE; BYE and re-INVITE to UDP callers) leave from the listening socket at
// bound. RFC 3261 §18.1.1 and §18.2.2: the Via's sent-by names where responses go, and a
// peer that follows it (baresip, a plain Kamailio) answers to the Via's port on the
// packet's source address; a request from a socket of its own (sipgo's default, on
// 0.0.0.0 and an ephemeral port) loses every response, and that socket answers SIP
// around sip.listen. sipgo finds the listener in its connection pool by the bound
// address's exact string, so it is passed as bound reports it.
func (s *Server) useUDPListener(bound net.Addr) error {
	udp, ok := bound.(*net.UDPAddr)
	if !ok {
		return fmt.Errorf("b2bua: udp listener bound to %v", bound)
	}
	cli, err := sipgo.NewClient(s.ua, append(s.clientOpts,
		sipgo.WithClientPort(udp.Port), sipgo.WithClientConnectionAddr(udp.String()))...)
	if err != nil {
		return fmt.Errorf("b2bua: udp client: %w", err)
	}
	contact := sip.ContactHeader{Address: s.contact.Address}
	contact.Address.Port = udp.Port
	s.dialogsUDP = sipgo.DialogUA{Client: cli, ContactHDR: contact}
	return nil
}
