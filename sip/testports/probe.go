package testports

import (
	"io"
	"net"
	"strconv"
)

// bindable reports whether every port of [first, first+n) can be bound now for each
// transport of proto. It binds the wildcard address (dual-stack where IPv6 is up), which
// conflicts with a socket on any local address, so a server on 127.0.0.2 or ::1 is seen
// too. The sockets are closed before it returns: the reservation, not a socket, keeps
// the port for the process that will bind it.
func bindable(proto Proto, first, n int) bool {
	var held []io.Closer
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for p := first; p < first+n; p++ {
		addr := net.JoinHostPort("", strconv.Itoa(p))
		if proto&UDP != 0 {
			c, err := net.ListenPacket("udp", addr)
			if err != nil {
				return false
			}
			held = append(held, c)
		}
		if proto&TCP != 0 {
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return false
			}
			held = append(held, l)
		}
	}
	return true
}
