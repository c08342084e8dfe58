package relay

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/consentgw/consentgw/sip/media"
)

const (
	audioPT = 0
	eventPT = 101
)

// peer is a party's phone: a UDP socket talking to its gateway-side endpoint.
type peer struct {
	conn *net.UDPConn
	ep   *media.Endpoint
	seq  uint16
}

func newPeer(t *testing.T, pool *media.PortPool) *peer {
	t.Helper()
	ep, err := pool.Open()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	ep.SetRemote(addr, netip.AddrPortFrom(addr.Addr(), addr.Port()+1))
	ep.Start(nil)
	t.Cleanup(func() { ep.Close(); conn.Close() })
	return &peer{conn: conn, ep: ep}
}

func (p *peer) send(t *testing.T, pt uint8, payload []byte) {
	t.Helper()
	h := rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: p.seq, Timestamp: 160 * uint32(p.seq), SSRC: 7}
	p.seq++
	pkt, err := (&rtp.Packet{Header: h, Payload: payload}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.conn.WriteToUDPAddrPort(pkt, p.ep.LocalAddr()); err != nil {
		t.Fatal(err)
	}
}

// receive returns the payload type of the next packet, or -1 if none came in time.
func (p *peer) receive(t *testing.T, wait time.Duration) int {
	t.Helper()
	buf := make([]byte, 1500)
	p.conn.SetReadDeadline(time.Now().Add(wait))
	n, _, err := p.conn.ReadFrom(buf)
	if err != nil {
		return -1
	}
	var h rtp.Header
	if _, err := h.Unmarshal(buf[:n]); err != nil {
		t.Fatal(err)
	}
	return int(h.PayloadType)
}

func TestCallerEventsAreTappedAndAgentAudioCanBeMuted(t *testing.T) {
	pool, err := media.NewPortPool(netip.MustParseAddr("127.0.0.1"), 43000, 43999)
	if err != nil {
		t.Fatal(err)
	}
	caller, agent := newPeer(t, pool), newPeer(t, pool)
	b := New(Leg{Endpoint: caller.ep, AudioPT: audioPT, EventPT: eventPT}, Leg{Endpoint: agent.ep, AudioPT: audioPT, EventPT: eventPT})
	tapped := make(chan []byte, 4)
	b.SetCallerEventTap(func(_ uint32, payload []byte) { tapped <- append([]byte(nil), payload...) })
	b.Start()
	defer b.Stop()

	// The caller's key press reaches the tap and still goes on to the agent.
	caller.send(t, eventPT, []byte{10, 0x0a, 0, 160})
	select {
	case p := <-tapped:
		if p[0] != 10 {
			t.Fatalf("tapped event %d, want 10 (*)", p[0])
		}
	case <-time.After(10 * time.Second):
		t.Fatal("caller's telephone-event never reached the tap")
	}
	if pt := agent.receive(t, 10*time.Second); pt != eventPT {
		t.Fatalf("agent got PT %d, want the event", pt)
	}
	// The agent's events are not the caller's keys.
	agent.send(t, eventPT, []byte{1, 0x0a, 0, 160})
	if pt := caller.receive(t, 10*time.Second); pt != eventPT {
		t.Fatalf("caller got PT %d, want the agent's event", pt)
	}
	if len(tapped) != 0 {
		t.Fatal("the agent's event was tapped as the caller's")
	}

	// Muted, the agent's audio does not reach the caller; the caller's still reaches the agent.
	b.MuteAgent(true)
	agent.send(t, audioPT, make([]byte, 160))
	caller.send(t, audioPT, make([]byte, 160))
	if pt := agent.receive(t, 10*time.Second); pt != audioPT {
		t.Fatalf("agent got PT %d while muted, want the caller's audio", pt)
	}
	if pt := caller.receive(t, 200*time.Millisecond); pt != -1 {
		t.Fatalf("caller got PT %d from a muted agent", pt)
	}
	b.MuteAgent(false)
	agent.send(t, audioPT, make([]byte, 160))
	if pt := caller.receive(t, 10*time.Second); pt != audioPT {
		t.Fatalf("caller got PT %d after unmute, want the agent's audio", pt)
	}
}
