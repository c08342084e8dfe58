package relay

import (
	"net"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/pion/rtp"

	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/sip/media"
)

// benchDirection is the caller-to-agent half of a bridge whose agent leg sends to a
// loopback socket nobody reads (the kernel drops what overflows; the cost measured is
// the relay's: the handler and one sendto).
func benchDirection(b *testing.B) (*direction, *Bridge) {
	b.Helper()
	pool, err := media.NewPortPool(netip.MustParseAddr("127.0.0.1"), 41400, 41499)
	if err != nil {
		b.Fatal(err)
	}
	caller, err := pool.Open()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(caller.Close)
	agent, err := pool.Open()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(agent.Close)
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sink.Close() })
	to := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	agent.SetRemote(to, netip.AddrPortFrom(to.Addr(), to.Port()+1))
	br := New(Leg{Endpoint: caller, AudioPT: 0, EventPT: 101}, Leg{Endpoint: agent, AudioPT: 0, EventPT: 101})
	return &direction{b: br, from: br.caller, to: br.agent, side: recorder.Caller}, br
}

// benchPacket is a parsed 20 ms PCMU packet.
func benchPacket(b *testing.B) ([]byte, *rtp.Header, []byte) {
	b.Helper()
	pkt := make([]byte, 172)
	pkt[0] = 0x80
	var h rtp.Header
	payload, err := media.ParsePacket(pkt, &h)
	if err != nil {
		b.Fatal(err)
	}
	return pkt, &h, payload
}

// BenchmarkRelayForward is the per-packet cost of a declined (not recorded) call's
// relay after the endpoint read the packet: payload-type check and the send.
func BenchmarkRelayForward(b *testing.B) {
	d, _ := benchDirection(b)
	pkt, h, payload := benchPacket(b)
	b.ReportAllocs()
	for b.Loop() {
		d.HandleRTP(pkt, h, payload)
	}
}

// BenchmarkRelayForwardRecording adds the recorder tap of a granted call.
func BenchmarkRelayForwardRecording(b *testing.B) {
	d, br := benchDirection(b)
	rec, err := recorder.Start(recorder.Options{Path: filepath.Join(b.TempDir(), "bench.wav"), Codec: g711.ULaw})
	if err != nil {
		b.Fatal(err)
	}
	br.SetRecorder(rec)
	pkt, h, payload := benchPacket(b)
	b.ReportAllocs()
	n := uint32(0)
	for b.Loop() {
		h.Timestamp = n * 160
		d.HandleRTP(pkt, h, payload)
		n++
	}
	b.StopTimer()
	br.SetRecorder(nil)
	if _, err := rec.Stop(); err != nil {
		b.Fatal(err)
	}
}
