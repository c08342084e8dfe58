package media

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"golang.org/x/sys/unix"
)

const testWait = 10 * time.Second

// testLeg is a started endpoint whose handler reports every packet's header.
type testLeg struct {
	ep   *Endpoint
	got  chan rtp.Header
	logs *syncBuffer
}

// startLeg opens an endpoint of pool, points it at the SDP addresses rtpAddr and
// rtpAddr+1 and starts it with a logger the test can read.
func startLeg(t *testing.T, pool *PortPool, rtpAddr netip.AddrPort) *testLeg {
	t.Helper()
	ep, err := pool.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ep.Close)
	l := &testLeg{ep: ep, got: make(chan rtp.Header, 64), logs: &syncBuffer{}}
	ep.SetHandler(PacketHandlerFunc(func(_ []byte, h *rtp.Header, _ []byte) { l.got <- *h }))
	if err := ep.SetRemote(rtpAddr, netip.AddrPortFrom(rtpAddr.Addr(), rtpAddr.Port()+1)); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(l.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := ep.Start(log); err != nil {
		t.Fatal(err)
	}
	return l
}

// next is the header of the next packet the handler got.
func (l *testLeg) next(t *testing.T) rtp.Header {
	t.Helper()
	select {
	case h := <-l.got:
		return h
	case <-time.After(testWait):
		t.Fatal("no packet reached the handler")
		return rtp.Header{}
	}
}

// nextIs waits for the next packet and checks it is seq: anything sent earlier from
// elsewhere was read first, on the same socket and worker, and must not have come through.
func (l *testLeg) nextIs(t *testing.T, seq uint16) {
	t.Helper()
	if h := l.next(t); h.SequenceNumber != seq {
		t.Fatalf("handler got seq %d, want %d: a packet that should be dropped came through", h.SequenceNumber, seq)
	}
}

func newPool(t *testing.T, min, max int, opts ...PoolOption) *PortPool {
	t.Helper()
	pool, err := NewPortPool(loopback, min, max, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// udpPeer is a socket on ip (a loopback address) and a free port.
func udpPeer(t *testing.T, ip string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(ip), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// rtpPacket is a PCMU packet with a sequence number and SSRC.
func rtpPacket(seq uint16, ssrc uint32) []byte {
	pkt := make([]byte, 12+160)
	pkt[0] = 0x80
	binary.BigEndian.PutUint16(pkt[2:], seq)
	binary.BigEndian.PutUint32(pkt[8:], ssrc)
	return pkt
}

func send(t *testing.T, from *net.UDPConn, to netip.AddrPort, pkt []byte) {
	t.Helper()
	if _, err := from.WriteToUDPAddrPort(pkt, to); err != nil {
		t.Fatal(err)
	}
}

// queued is how many datagrams wait on c, read without waiting: a loopback sendto
// queues the datagram before it returns, so whatever the endpoint sent is there.
func queued(t *testing.T, c *net.UDPConn) int {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n := 0
	for range 10000 {
		var rerr error
		if err := raw.Read(func(fd uintptr) bool {
			_, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if rerr != nil {
			return n
		}
		n++
	}
	return n
}

// reply is the next datagram c gets, or a failure.
func reply(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	buf := make([]byte, 1500)
	c.SetReadDeadline(time.Now().Add(testWait))
	n, _, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("nothing came back: %v", err)
	}
	return buf[:n]
}

// waitFor polls cond until it holds, for what the worker does without telling anyone
// (a dropped packet has no handler to report it).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", testWait, what)
		}
		time.Sleep(time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
