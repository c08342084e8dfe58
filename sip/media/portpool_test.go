package media

import (
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"
)

// Ports come out in no order an attacker could guess: not from port_min up, and spread
// over the range. (Ten picks in order from the bottom of a 100-pair range by chance:
// about 1 in 10^20.)
func TestPortPoolPicksPairsAtRandom(t *testing.T) {
	pool := newPool(t, 45000, 45199)
	var ports []int
	for range 10 {
		ep, err := pool.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer ep.Close()
		ports = append(ports, int(ep.LocalAddr().Port()))
	}
	inOrder := true
	for i, p := range ports {
		if p != 45000+2*i {
			inOrder = false
		}
	}
	if inOrder {
		t.Fatalf("ports handed out in order from port_min: %v", ports)
	}
	if slices.Max(ports) < 45040 {
		t.Fatalf("all ten ports within the first 20 pairs of 100: %v", ports)
	}
}

// A released pair is handed out again only after every other free pair, so a late
// packet meant for the last call does not reach the next one.
func TestPortPoolHandsOutAReleasedPairLast(t *testing.T) {
	pool := newPool(t, 45200, 45215) // 8 pairs
	first, err := pool.Open()
	if err != nil {
		t.Fatal(err)
	}
	released := first.LocalAddr().Port()
	first.Close()
	for i := range pool.Capacity() - 1 {
		ep, err := pool.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer ep.Close()
		if ep.LocalAddr().Port() == released {
			t.Fatalf("released port %d handed out again as pick %d of %d, with others free", released, i+1, pool.Capacity()-1)
		}
	}
	last, err := pool.Open()
	if err != nil {
		t.Fatalf("the released pair is not handed out at all: %v", err)
	}
	defer last.Close()
	if last.LocalAddr().Port() != released {
		t.Fatalf("last pick %d, want the released %d", last.LocalAddr().Port(), released)
	}
}

// Ports another process holds are skipped; every other pair is still handed out.
func TestPortPoolSkipsPortsBoundByOthers(t *testing.T) {
	pool := newPool(t, 45300, 45319) // 10 pairs
	taken := map[uint16]bool{}
	for _, port := range []int{45302, 45309, 45318} { // an RTP port, an RTCP port, another RTP port
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, uint16(port))))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		taken[uint16(port-port%2)] = true
	}
	for range pool.Capacity() - len(taken) {
		ep, err := pool.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer ep.Close()
		if taken[ep.LocalAddr().Port()] {
			t.Fatalf("handed out %d, which another socket holds", ep.LocalAddr().Port())
		}
	}
	if _, err := pool.Open(); !errors.Is(err, ErrPortsExhausted) {
		t.Fatalf("with every free pair out: err = %v, want ErrPortsExhausted", err)
	}
	if pool.InUse() != pool.Capacity()-len(taken) {
		t.Fatalf("in use %d, want %d", pool.InUse(), pool.Capacity()-len(taken))
	}
}
