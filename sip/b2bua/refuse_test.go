package b2bua

import (
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// refusedFlood sends n INVITEs from one socket, each a new transaction, and waits for
// every final answer; it returns the status codes seen, provisional ones too.
func refusedFlood(t *testing.T, target string, n int) map[int]int {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	to, err := net.ResolveUDPAddr("udp", target)
	if err != nil {
		t.Fatal(err)
	}
	local := conn.LocalAddr().String()
	parser := sip.NewParser()
	codes := map[int]int{}
	buf := make([]byte, 65535)
	answered := 0
	// A window of requests in flight, so the socket's queue never overflows.
	const window = 64
	sent := 0
	for answered < n {
		for sent < n && sent-answered < window {
			msg := fmt.Sprintf("INVITE sip:100@%s SIP/2.0\r\n"+
				"Via: SIP/2.0/UDP %s;branch=z9hG4bK-flood-%d\r\n"+
				"Max-Forwards: 70\r\nFrom: <sip:scan@%s>;tag=f%d\r\nTo: <sip:100@%s>\r\n"+
				"Call-ID: flood-%d@scanner\r\nCSeq: 1 INVITE\r\nContact: <sip:scan@%s>\r\n"+
				"Content-Length: 0\r\n\r\n", target, local, sent, local, sent, target, sent, local)
			if _, err := conn.WriteToUDP([]byte(msg), to); err != nil {
				t.Fatal(err)
			}
			sent++
		}
		_ = conn.SetReadDeadline(time.Now().Add(testWait))
		k, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("%d of %d refusals arrived: %v", answered, n, err)
		}
		m, err := parser.ParseSIP(buf[:k])
		if err != nil {
			continue
		}
		if res, ok := m.(*sip.Response); ok {
			codes[res.StatusCode]++
			// An INVITE the gateway takes longer than 200 ms to refuse (a loaded machine)
			// gets sipgo's 100 Trying first (RFC 3261 §17.2.1): only a final response
			// answers it.
			if res.StatusCode >= 200 {
				answered++
			}
		}
	}
	return codes
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Refused INVITEs leave nothing behind: each used to keep its server transaction, with
// the request and the 403, for Timer H (32 s), so a 3 s sipsak flood grew the heap from
// 7 MB to 476 MB. Now the heap held after a flood stays near what it was before.
func TestRefusedRequestsKeepNoTransaction(t *testing.T) {
	var rejected reasons
	g := startGatewayWith(t, "udp", 1, answerAndWait(make(chan *Inbound, 1)), Admission{
		Allow:    func(netip.Addr, *sip.Request) bool { return false },
		Rejected: rejected.add,
	})
	const floodSize = 4000
	refusedFlood(t, g.Addrs()[0].String(), 200) // warm up sipgo's pools and the parser
	before := heapInUse()

	codes := refusedFlood(t, g.Addrs()[0].String(), floodSize)

	held := int64(heapInUse()) - int64(before)
	if codes[sip.StatusForbidden] != floodSize {
		t.Fatalf("answers %v, want %d × 403", codes, floodSize)
	}
	// A kept transaction holds its INVITE and 403, about 3 KiB: 4000 of them are 12 MiB.
	t.Logf("heap held after %d refused INVITEs: %d bytes", floodSize, held)
	if perRequest := held / floodSize; perRequest > 256 {
		t.Errorf("the heap holds %d bytes more after %d refused INVITEs (%d per request), want next to nothing",
			held, floodSize, perRequest)
	}
}
