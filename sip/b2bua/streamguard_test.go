package b2bua

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/siptest"
)

// deadlineRecorder is a net.Conn that only notes its read deadline.
type deadlineRecorder struct {
	net.Conn
	deadline time.Time
}

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error { d.deadline = t; return nil }

func TestMessageClockTimesEachMessageFromItsFirstByteToItsLast(t *testing.T) {
	invite := "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nl: 5\r\n\r\nhello"
	options := "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n"
	tests := []struct {
		name   string
		chunks []string
		armed  bool // a deadline is set after the last chunk
	}{
		{"keep-alive CRLFs only", []string{"\r\n\r\n", "\r\n"}, false},
		{"half a header", []string{invite[:20]}, true},
		{"header without its body", []string{invite[:len(invite)-5]}, true},
		{"body one byte short", []string{invite[:len(invite)-1]}, true},
		{"whole message", []string{invite}, false},
		{"message byte by byte", strings.Split(invite, ""), false},
		{"empty line split across reads", []string{options[:len(options)-3], options[len(options)-3:]}, false},
		{"two messages in one read", []string{options + invite}, false},
		{"a second message begun", []string{options + "BYE sip:a@b SIP/2.0\r\n"}, true},
		{"keep-alive between messages", []string{options, "\r\n\r\n", options}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &deadlineRecorder{}
			m := &messageClock{timeout: time.Minute}
			for _, chunk := range tt.chunks {
				m.scan(c, []byte(chunk))
			}
			if armed := !c.deadline.IsZero(); armed != tt.armed {
				t.Errorf("deadline set: %v, want %v", armed, tt.armed)
			}
		})
	}
}

func FuzzMessageClock(f *testing.F) {
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nabc"), 7)
	f.Add([]byte("\r\n\r\nl: 99999999999999999999\r\n\r\n"), 1)
	f.Fuzz(func(t *testing.T, data []byte, split int) {
		c := &deadlineRecorder{}
		m := &messageClock{timeout: time.Minute}
		if split > 0 && split < len(data) {
			m.scan(c, data[:split])
			data = data[split:]
		}
		m.scan(c, data)
		if m.body < 0 || m.body > MaxMessageBytes || len(m.header) > MaxMessageBytes+3 {
			t.Fatalf("state out of bounds: body %d header %d", m.body, len(m.header))
		}
	})
}

// closedByServer waits until the server ends c (EOF or reset).
func closedByServer(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(messageTimeout + testWait))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the connection open")
	}
}

// A slowloris client (half an INVITE, never finished) is disconnected once
// messageTimeout has passed, and counted; a complete request on another connection is
// answered.
func TestHalfSentMessageOverTCPIsCutOff(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits out messageTimeout (5 s)")
	}
	var rejected reasons
	g := startGatewayWith(t, "tcp", 1, answerAndWait(make(chan *Inbound, 1)), Admission{Rejected: rejected.add})
	addr := g.Addrs()[0].String()

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;bra"); err != nil {
		t.Fatal(err)
	}

	trunk := siptest.NewPeer(t, "tcp", nil)
	if res := trunk.Request(t, sip.NewRequest(sip.OPTIONS, g.uri)); res.StatusCode != sip.StatusOK {
		t.Errorf("OPTIONS on a connection of its own answered %d, want 200", res.StatusCode)
	}

	closedByServer(t, slow)
	waitUntil(t, func() bool { return rejected.get(RejectSlowMessage) == 1 }, "the slow message counted")
}

// One address may hold maxStreamsPerSource connections; more are closed at once and
// counted, and a closed one frees its place.
func TestConnectionsPerSourceAreCapped(t *testing.T) {
	var rejected reasons
	g := startGatewayWith(t, "tcp", 1, answerAndWait(make(chan *Inbound, 1)), Admission{Rejected: rejected.add})
	addr := g.Addrs()[0].String()
	options := "OPTIONS sip:100@" + addr + " SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-%d\r\n" +
		"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: cap-%d\r\nCSeq: 1 OPTIONS\r\n" +
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range maxStreamsPerSource {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		// An answered request shows the gateway accepted the connection.
		if _, err := io.WriteString(c, strings.ReplaceAll(options, "%d", strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(testWait))
		if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.HasPrefix(line, "SIP/2.0 200") {
			t.Fatalf("connection %d: %q, %v; want 200", i, line, err)
		}
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	closedByServer(t, extra)
	if n := rejected.get(RejectTooManyStreams); n != 1 {
		t.Errorf("%d connections refused, want 1", n)
	}
	if n := g.streams.count(netip.MustParseAddr("127.0.0.1")); n != maxStreamsPerSource {
		t.Errorf("%d connections counted for the source, want %d", n, maxStreamsPerSource)
	}
}
