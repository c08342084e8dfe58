package media

import (
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestPollerServesManyEndpointsAndStopsAtClose places endpoints on every worker, sends
// one packet to each and waits for each handler; after Close no handler runs again, even
// with packets still arriving, and the pool's workers stop.
func TestPollerServesManyEndpointsAndStopsAtClose(t *testing.T) {
	pool, err := NewPortPool(loopback, 41600, 41799)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()

	const n = 40
	got := make(chan int, n)
	var afterClose atomic.Int64
	var closed atomic.Bool
	eps := make([]*Endpoint, n)
	for i := range eps {
		ep, err := pool.Open()
		if err != nil {
			t.Fatal(err)
		}
		if err := ep.SetRemote(addrOf(peer), netip.AddrPortFrom(loopback, 9)); err != nil {
			t.Fatal(err)
		}
		ep.SetHandler(PacketHandlerFunc(func(_ []byte, h *rtp.Header, _ []byte) {
			if closed.Load() {
				afterClose.Add(1)
				return
			}
			got <- int(h.SequenceNumber)
		}))
		if err := ep.Start(nil); err != nil {
			t.Fatal(err)
		}
		eps[i] = ep
	}
	for i, ep := range eps {
		pkt := []byte{0x80, 0, 0, byte(i), 0, 0, 0, 0, 0, 0, 0, 1, 0xff}
		if _, err := peer.WriteToUDPAddrPort(pkt, ep.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	seen := make(map[int]bool)
	for len(seen) < n {
		select {
		case seq := <-got:
			seen[seq] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d endpoints got their packet", len(seen), n)
		}
	}
	for _, ep := range eps {
		ep.Close()
	}
	closed.Store(true)
	for _, ep := range eps {
		pkt := []byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff}
		peer.WriteToUDPAddrPort(pkt, ep.LocalAddr()) // the port is closed: nobody reads
		if err := ep.WriteRTP(pkt); err == nil {
			t.Fatal("WriteRTP after Close succeeded")
		}
	}
	if pool.InUse() != 0 {
		t.Fatalf("%d pairs in use after Close", pool.InUse())
	}
	pool.Close()
	if afterClose.Load() != 0 {
		t.Fatalf("%d handler calls after Close", afterClose.Load())
	}
	ep, err := pool.Open()
	if err != nil {
		t.Fatal(err) // ports are still handed out; only Start needs the poller
	}
	if err := ep.Start(nil); err == nil {
		t.Error("Start after the pool's Close succeeded")
	}
	ep.Close()
}

// TestEndpointOnIPv6 relays on ::1: the socket family follows media.ip.
func TestEndpointOnIPv6(t *testing.T) {
	peer, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Fatalf("binding ::1: %v (media.ip may be IPv6; the machine needs an IPv6 loopback)", err)
	}
	defer peer.Close()
	pool, err := NewPortPool(netip.IPv6Loopback(), 41800, 41899)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ep, err := pool.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	got := make(chan struct{}, 1)
	ep.SetHandler(PacketHandlerFunc(func([]byte, *rtp.Header, []byte) { got <- struct{}{} }))
	if err := ep.SetRemote(addrOf(peer), netip.AddrPortFrom(netip.IPv6Loopback(), 9)); err != nil {
		t.Fatal(err)
	}
	if err := ep.Start(nil); err != nil {
		t.Fatal(err)
	}
	pkt := []byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff}
	if _, err := peer.WriteToUDPAddrPort(pkt, ep.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	<-got
	remote, _ := ep.Remote()
	if remote != peer.LocalAddr().(*net.UDPAddr).AddrPort() {
		t.Fatalf("latched %v, want %v", remote, peer.LocalAddr())
	}
	if err := ep.WriteRTP(pkt); err != nil {
		t.Fatal(err)
	}
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	if n, _, err := peer.ReadFrom(buf); err != nil || n != len(pkt) {
		t.Fatalf("peer got %d bytes, %v", n, err)
	}
}
