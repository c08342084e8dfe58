package media

import (
	"net"
	"net/netip"
	"testing"

	"github.com/pion/rtp"
)

// A 20 ms G.711 packet: 12-byte header and 160 bytes of payload.
func benchPacket() []byte {
	pkt := make([]byte, 172)
	pkt[0], pkt[1] = 0x80, 0
	return pkt
}

func BenchmarkParsePacket(b *testing.B) {
	pkt := benchPacket()
	var h rtp.Header
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePacket(pkt, &h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEndpointWriteRTP is the send half of relaying one packet: one sendto on
// loopback, to the SDP's address and, once latched, to the latched source (the socket
// is never connected: see Endpoint.screen). The receiving socket is never read, so the
// kernel drops what overflows its queue; the cost measured is the gateway's.
func BenchmarkEndpointWriteRTP(b *testing.B) {
	pool, err := NewPortPool(netip.MustParseAddr("127.0.0.1"), 41300, 41399)
	if err != nil {
		b.Fatal(err)
	}
	ep, err := pool.Open()
	if err != nil {
		b.Fatal(err)
	}
	defer ep.Close()
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	to := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	ep.SetRemote(to, netip.AddrPortFrom(to.Addr(), to.Port()+1))
	pkt := benchPacket()
	b.Run("to-sdp-address", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := ep.WriteRTP(pkt); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Latched: the peer's first packet came from the SDP's address.
	latched := make(chan struct{}, 1)
	ep.SetHandler(PacketHandlerFunc(func([]byte, *rtp.Header, []byte) {
		select {
		case latched <- struct{}{}:
		default:
		}
	}))
	if err := ep.Start(nil); err != nil {
		b.Fatal(err)
	}
	if _, err := sink.WriteToUDPAddrPort(pkt, ep.LocalAddr()); err != nil {
		b.Fatal(err)
	}
	<-latched
	b.Run("latched", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := ep.WriteRTP(pkt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEndpointReceive is the receive half, one packet at a time: a loopback sendto,
// the endpoint's reader waking up, recvfrom, the source check, parsing, latching and
// calling the handler.
// The sender waits for the handler before the next packet, so nothing is dropped and the
// goroutine wake-up per packet is counted as it happens in a call.
func BenchmarkEndpointReceive(b *testing.B) {
	pool, err := NewPortPool(netip.MustParseAddr("127.0.0.1"), 41500, 41599)
	if err != nil {
		b.Fatal(err)
	}
	ep, err := pool.Open()
	if err != nil {
		b.Fatal(err)
	}
	defer ep.Close()
	got := make(chan struct{}, 1)
	ep.SetHandler(PacketHandlerFunc(func([]byte, *rtp.Header, []byte) { got <- struct{}{} }))
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer peer.Close()
	from := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	if err := ep.SetRemote(from, netip.AddrPortFrom(from.Addr(), from.Port()+1)); err != nil {
		b.Fatal(err)
	}
	ep.Start(nil)
	pkt := benchPacket()
	to := ep.LocalAddr()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := peer.WriteToUDPAddrPort(pkt, to); err != nil {
			b.Fatal(err)
		}
		<-got
	}
}
