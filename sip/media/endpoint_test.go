package media

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func TestPortPoolHandsOutEvenPairsAndTakesThemBack(t *testing.T) {
	pool, err := NewPortPool(loopback, 41001, 41010)
	if err != nil {
		t.Fatal(err)
	}
	if pool.Capacity() != 4 { // 41002..41009
		t.Fatalf("capacity %d", pool.Capacity())
	}
	var eps []*Endpoint
	for range pool.Capacity() {
		ep, err := pool.Open()
		if err != nil {
			t.Fatal(err)
		}
		if ep.LocalAddr().Port()%2 != 0 {
			t.Fatalf("odd RTP port %d", ep.LocalAddr().Port())
		}
		eps = append(eps, ep)
	}
	if _, err := pool.Open(); err != ErrPortsExhausted {
		t.Fatalf("full pool: err = %v", err)
	}
	for _, ep := range eps {
		ep.Start(nil)
		ep.Close()
	}
	if pool.InUse() != 0 {
		t.Fatalf("%d pairs still in use", pool.InUse())
	}
	ep, err := pool.Open()
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	ep.Close()
}

func TestEndpointLatchesOnFirstPacketAndHandsItToTheHandler(t *testing.T) {
	pool, err := NewPortPool(loopback, 41100, 41199)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := pool.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	got := make(chan uint16, 4)
	ep.SetHandler(PacketHandlerFunc(func(_ []byte, h *rtp.Header, payload []byte) {
		got <- h.SequenceNumber
	}))
	// The SDP announced a port nobody listens on; the real peer sends from elsewhere.
	ep.SetRemote(netip.AddrPortFrom(loopback, 9), netip.AddrPortFrom(loopback, 10))
	ep.Start(nil)

	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	pkt := []byte{0x80, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 1, 0xff}
	if _, err := peer.WriteToUDPAddrPort(pkt, ep.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if seq := <-got; seq != 42 {
		t.Fatalf("seq %d", seq)
	}
	remote, _ := ep.Remote()
	if remote.Port() != uint16(peer.LocalAddr().(*net.UDPAddr).Port) {
		t.Fatalf("did not latch: remote %v", remote)
	}
	if err := ep.WriteRTP(pkt); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err := peer.ReadFrom(buf); err != nil || n != len(pkt) {
		t.Fatalf("peer got %d bytes, %v", n, err)
	}
}
