package b2bua

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/siptest"
)

// reasons counts Admission.Rejected calls by reason.
type reasons struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *reasons) add(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int{}
	}
	r.n[reason]++
}

func (r *reasons) get(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[reason]
}

func TestUntrustedSourceGets403WithoutMediaOrHandler(t *testing.T) {
	var served atomic.Int32
	var rejected reasons
	g := startGatewayWith(t, "udp", 2, handlerFunc(func(context.Context, *Inbound) { served.Add(1) }), Admission{
		Allow:    func(src netip.Addr, _ *sip.Request) bool { return src == netip.MustParseAddr("192.0.2.1") },
		Rejected: rejected.add,
	})
	scanner := siptest.NewPeer(t, "udp", nil)

	if got := scanner.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU)).FinalStatus(t); got != sip.StatusForbidden {
		t.Errorf("INVITE from an untrusted source answered %d, want 403", got)
	}
	if res := scanner.Request(t, sip.NewRequest(sip.OPTIONS, g.uri)); res.StatusCode != sip.StatusForbidden {
		t.Errorf("OPTIONS from an untrusted source answered %d, want 403", res.StatusCode)
	}
	if n := served.Load(); n != 0 {
		t.Errorf("call handler ran %d times for an untrusted INVITE", n)
	}
	if n := g.pool.InUse(); n != 0 {
		t.Errorf("%d port pairs taken for an untrusted INVITE", n)
	}
	if n := rejected.get(RejectUntrusted); n != 2 {
		t.Errorf("%d requests counted as untrusted, want 2", n)
	}
}

func TestMaxCallsAnswered503WithRetryAfter(t *testing.T) {
	legs := make(chan *Inbound, 2)
	var rejected reasons
	g := startGatewayWith(t, "udp", 4, answerAndWait(legs), Admission{MaxCalls: 1, RetryAfter: 30 * time.Second, Rejected: rejected.add})
	trunk := siptest.NewPeer(t, "udp", nil)
	first := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU))
	if first.Err != nil {
		t.Fatalf("first call: %v", first.Err)
	}
	siptest.Recv(t, legs, "first call")

	var retryAfter string
	second := trunk.InviteWatching(t, g.uri, siptest.Offer(30002, "", siptest.PCMU), func(res *sip.Response) {
		if h := res.GetHeader("Retry-After"); h != nil {
			retryAfter = h.Value()
		}
	})
	if got := second.FinalStatus(t); got != sip.StatusServiceUnavailable {
		t.Fatalf("call over max_calls answered %d, want 503", got)
	}
	if retryAfter != "30" {
		t.Errorf("Retry-After %q, want 30", retryAfter)
	}
	if n := rejected.get(RejectMaxCalls); n != 1 {
		t.Errorf("%d calls counted over max_calls, want 1", n)
	}
	first.Bye(t)
	waitUntil(t, func() bool { return g.admittedCalls() == 0 }, "first call to give back its place")

	third := trunk.Invite(t, g.uri, siptest.Offer(30004, "", siptest.PCMU))
	if third.Err != nil {
		t.Fatalf("call after the first ended: %v", third.Err)
	}
	siptest.Recv(t, legs, "third call")
	third.Bye(t)
}

func TestInviteFloodFromOneSourceIsLimited(t *testing.T) {
	var rejected reasons
	g := startGatewayWith(t, "udp", 2, handlerFunc(func(context.Context, *Inbound) {}), Admission{
		InviteRate: 0.001, InviteBurst: 2, Rejected: rejected.add,
	})
	trunk := siptest.NewPeer(t, "udp", nil)
	var got []int
	for range 4 {
		got = append(got, trunk.Invite(t, g.uri, "").FinalStatus(t)) // no SDP: 488 once admitted
	}
	want := []int{sip.StatusNotAcceptableHere, sip.StatusNotAcceptableHere, sip.StatusServiceUnavailable, sip.StatusServiceUnavailable}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	if n := rejected.get(RejectRateLimited); n != 2 {
		t.Errorf("%d INVITEs counted as rate limited, want 2", n)
	}
}

// The screen must run on real datagrams, whatever case sipgo names the transport in.
func TestJunkDatagramsAreDroppedBeforeTheParser(t *testing.T) {
	var rejected reasons
	g := startGatewayWith(t, "udp", 2, handlerFunc(func(context.Context, *Inbound) {}), Admission{Rejected: rejected.add})
	conn, err := net.Dial("udp", net.JoinHostPort(g.uri.Host, strconv.Itoa(g.uri.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, junk := range [][]byte{[]byte("\x16\x03\x01 not sip at all"), bytes.Repeat([]byte("INVITE "), MaxMessageBytes/7+1)} {
		if _, err := conn.Write(junk); err != nil {
			t.Fatal(err)
		}
	}
	// The listener reads datagrams in order: once this INVITE is answered, both were seen.
	trunk := siptest.NewPeer(t, "udp", nil)
	if got := trunk.Invite(t, g.uri, "").FinalStatus(t); got != sip.StatusNotAcceptableHere {
		t.Fatalf("INVITE after the junk: %d, want 488", got)
	}
	if rejected.get(RejectMalformed) != 1 || rejected.get(RejectOversized) != 1 {
		t.Errorf("rejections %v, want one malformed and one oversized", rejected.n)
	}
}

func TestSourceLimiterStaysBounded(t *testing.T) {
	l := newSourceLimiter(1, 1, 64)
	now := time.Now()
	base := netip.MustParseAddr("10.0.0.0").As4()
	for i := range 10000 {
		b := base
		b[2], b[3] = byte(i>>8), byte(i)
		if !l.allow(netip.AddrFrom4(b), now) {
			t.Fatalf("source %d refused its first INVITE", i)
		}
		if n := l.tracked(); n > 64 {
			t.Fatalf("limiter tracks %d sources, want at most 64", n)
		}
	}
	src := netip.MustParseAddr("10.1.0.1")
	if !l.allow(src, now) || l.allow(src, now) {
		t.Error("a source's second INVITE in the same instant passed a burst of 1")
	}
	if !l.allow(src, now.Add(time.Second)) {
		t.Error("a source's INVITE a second later was refused at 1/s")
	}
}

func TestScreenDropsWhatIsNoSIPMessage(t *testing.T) {
	var rejected reasons
	s := &Server{opts: Options{Admission: Admission{Rejected: rejected.add}}}
	udp := sip.TransportReadProps{Transport: "UDP", RemoteAddr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060}}
	huge := append([]byte("OPTIONS sip:a@b SIP/2.0\r\n"), make([]byte, MaxMessageBytes)...)
	tests := []struct {
		name string
		data string
		keep bool
	}{
		{"request", "INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n", true},
		{"response", "SIP/2.0 200 OK\r\nVia: x\r\n\r\n", true},
		{"keep-alive", "\r\n\r\n", true},
		{"lower-case method", "invite sip:a@b SIP/2.0\r\n\r\n", false},
		{"no version", "INVITE sip:a@b\r\n\r\n", false},
		{"binary", "\x16\x03\x01\x02\x00\x01\x00", false},
		{"start line only", "OPTIONS sip:a@b SIP/2.0", false},
		{"oversized", string(huge), false},
	}
	for _, tt := range tests {
		out, err := s.screen(udp, []byte(tt.data))
		if err != nil || (len(out) > 0) != tt.keep {
			t.Errorf("%s: kept %v (err %v), want %v", tt.name, len(out) > 0, err, tt.keep)
		}
	}
	if rejected.get(RejectMalformed) != 4 || rejected.get(RejectOversized) != 1 {
		t.Errorf("counted %v, want 4 malformed and 1 oversized", rejected.n)
	}
}

func FuzzScreen(f *testing.F) {
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n"))
	f.Add([]byte("SIP/2.0 180 Ringing\r\n\r\n"))
	s := &Server{}
	udp := sip.TransportReadProps{Transport: "UDP"}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _ := s.screen(udp, data)
		if len(out) > 0 {
			_, _ = sip.ParseMessage(out) // what passes goes to sipgo's parser: it must not panic
		}
	})
}
