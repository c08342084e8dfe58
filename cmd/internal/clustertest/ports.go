package clustertest

import (
	"math/rand/v2"
	"net"
	"strconv"
	"testing"
)

// Ports of the nodes come from below the kernel's ephemeral range (32768 and up) and the
// gateways' default media range (20000 and up): a node restarted on its ports must find
// them free, and a port the kernel hands to some outgoing connection meanwhile would not be.
const (
	portMin = 10000
	portMax = 19998
)

// freePort is a loopback port free now for both UDP and TCP (a node listens on both).
func freePort(t *testing.T) int {
	t.Helper()
	for range 200 {
		p := portMin + 2*rand.IntN((portMax-portMin)/2)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		u, err := net.ListenPacket("udp", addr)
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return p
	}
	t.Fatal("no loopback port free for UDP and TCP below 20000")
	return 0
}
