// Package torturetest sends the RFC 4475 SIP torture messages to a running gateway, one
// socket each, and collects what it answers: the b2bua tests and the end-to-end test
// share it.
package torturetest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// wait bounds every wait on the network; it only guards against a hang.
const wait = 10 * time.Second

// Refused is an expected answer meaning "none, or a refusal": over TCP, sipgo's stream
// parser gives up on some messages (no or two Content-Lengths, two messages in one) and
// its answer races the closing of the connection. Never a 2xx.
const Refused = -1

// Meets tells whether the status got is the expected want (a status, 0 for none, or
// Refused).
func Meets(got, want int) bool {
	if want == Refused {
		return got == 0 || got >= 300
	}
	return got == want
}

// Messages reads the torture messages under dir (valid/*.dat, invalid/*.dat), by
// "valid/name" or "invalid/name".
func Messages(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*", "*.dat"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no torture messages under %s (%v)", dir, err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(filepath.Dir(p))+"/"+strings.TrimSuffix(filepath.Base(p), ".dat")] = b
	}
	return out
}

// topVia finds the transport and sent-by of a message's first Via, folded lines
// included (RFC 4475 wsinv), so a test sender can point UDP responses at itself: RFC 3261
// §18.2.2 sends them to the source IP and the Via's port.
var topVia = regexp.MustCompile(`(?im)^(?:via|v)[ \t]*:[ \t]*SIP[ \t\r\n]*/[ \t\r\n]*2\.0[ \t\r\n]*/[ \t\r\n]*([A-Za-z]+)[ \t\r\n]+([^;\s,]+)`)

// ViaTo rewrites the first Via to transport from addr; a message without one is
// unchanged. Responses then come back to the test, and nothing is ever sent to the hosts
// the messages name: over TCP, sipgo answers a request whose connection is gone by
// connecting to its Via (RFC 3261 §18.2.2).
func ViaTo(msg []byte, transport, addr string) []byte {
	m := topVia.FindSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	out := append([]byte{}, msg[:m[2]]...)
	out = append(out, transport...)
	out = append(out, msg[m[3]:m[4]]...)
	out = append(out, addr...)
	return append(out, msg[m[5]:]...)
}

// Statuses is the response the gateway gave to each message: its final status, or
// the provisional one when no final came, 0 for none.
type Statuses map[string]int

// Key names a message's responses: its Call-ID, or its CSeq when it has none
// (RFC 4475 insuf). Read from the text, since sipgo parses not all of them.
var callIDLine = regexp.MustCompile(`(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)`)
var cseqLine = regexp.MustCompile(`(?im)^cseq[ \t]*:[ \t]*(\d+)`)

func Key(msg []byte) string {
	if head, _, ok := bytes.Cut(msg, []byte("\r\n\r\n")); ok {
		msg = head // the first of several messages (dblreq)
	}
	if all := callIDLine.FindAllSubmatch(msg, -1); all != nil {
		return string(all[len(all)-1][1]) // sipgo answers with the last of several (multi01)
	}
	if m := cseqLine.FindSubmatch(msg); m != nil {
		return "cseq " + string(m[1])
	}
	return ""
}

func responseKey(res *sip.Response) string {
	if id := res.CallID(); id != nil {
		return id.Value()
	}
	if c := res.CSeq(); c != nil {
		return "cseq " + strconv.FormatUint(uint64(c.SeqNo), 10)
	}
	return ""
}

// Collector gathers responses by key.
type Collector struct {
	Responses chan *sip.Response
	// Got is the status seen for each key: the final one, else the last provisional.
	Got map[string]int
}

func NewCollector() *Collector {
	return &Collector{Responses: make(chan *sip.Response, 64), Got: map[string]int{}}
}

// Until reads responses until every key in want has one, or the channel closes (a stream
// the gateway closed); it fails the test after wait.
func (c *Collector) Until(t testing.TB, want ...string) {
	t.Helper()
	timeout := time.After(wait)
	for {
		done := true
		for _, k := range want {
			if _, ok := c.Got[k]; !ok {
				done = false
			}
		}
		if done {
			return
		}
		select {
		case res, ok := <-c.Responses:
			if !ok {
				return
			}
			k := responseKey(res)
			if prev := c.Got[k]; prev < 200 {
				c.Got[k] = res.StatusCode
			}
		case <-timeout:
			t.Fatalf("no response for %v within %v (gateway gone?)", want, wait)
		}
	}
}

// Send sends each message (UDP: all from one socket, TCP: each on a connection of
// its own) followed by an OPTIONS probe, and waits for the probe's 200: the gateway read
// the message and still serves. expect lists messages whose own response is awaited too.
func Send(t testing.TB, network, target, localIP string, msgs map[string][]byte, expect func(name string) bool) Statuses {
	t.Helper()
	out := Statuses{}
	for i, name := range Names(msgs) {
		key, probeID := Key(msgs[name]), fmt.Sprintf("probe-%d", i)
		want := []string{probeID}
		if expect(name) {
			want = append(want, key)
		}
		if network == "tcp" && name == "invalid/clerr" {
			want = nil // a stream waits for the body it announced (RFC 4475 clerr)
		}
		// A socket of its own for each message: many share a branch, and with one sent-by
		// they would be taken for retransmissions of each other.
		c := NewCollector()
		func() {
			d := dialer(localIP)
			if network == "tcp" && localIP != "" {
				d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localIP)}
			}
			conn, err := d.Dial(network, target)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			self := conn.LocalAddr().String()
			msg := ViaTo(msgs[name], strings.ToUpper(network), self)
			if network == "udp" {
				go readDatagrams(conn, c.Responses)
			} else {
				go readStream(conn, c.Responses)
			}
			if _, err := conn.Write(msg); err != nil {
				t.Fatal(err)
			}
			_, _ = conn.Write(probe(probeID, self, strings.ToUpper(network))) // fails on a stream closed already
			c.Until(t, want...)
		}()
		if status, ok := c.Got[key]; ok && key != "" {
			out[name] = status
		}
	}
	return out
}

// DialUDP opens a raw UDP socket to target, from localIP ("" = any), whose responses the
// returned Collector gathers.
func DialUDP(t testing.TB, target, localIP string) (net.Conn, *Collector) {
	t.Helper()
	conn, err := dialer(localIP).Dial("udp", target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := NewCollector()
	go readDatagrams(conn, c.Responses)
	return conn, c
}

// dialer binds to localIP, so a test can send from an address outside sip.trusted.
func dialer(localIP string) *net.Dialer {
	d := &net.Dialer{}
	if localIP != "" {
		d.LocalAddr = &net.UDPAddr{IP: net.ParseIP(localIP)}
	}
	return d
}

func readDatagrams(conn net.Conn, out chan<- *sip.Response) {
	parser := sip.NewParser()
	buf := make([]byte, 65536)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		if msg, err := parser.ParseSIP(append([]byte{}, buf[:n]...)); err == nil {
			if res, ok := msg.(*sip.Response); ok {
				out <- res
			}
		}
	}
}

func readStream(conn net.Conn, out chan<- *sip.Response) {
	defer close(out)
	r := bufio.NewReader(conn)
	for {
		res, err := readStreamResponse(r)
		if err != nil {
			return
		}
		out <- res
	}
}

func probe(callID, via, transport string) []byte {
	return []byte("OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/" + transport + " " + via + ";branch=z9hG4bK-" + callID + "\r\n" +
		"From: <sip:probe@127.0.0.1>;tag=p\r\n" +
		"To: <sip:probe@127.0.0.1>\r\n" +
		"Call-ID: " + callID + "\r\n" +
		"CSeq: 1 OPTIONS\r\n" +
		"Max-Forwards: 70\r\n" +
		"Content-Length: 0\r\n\r\n")
}

// readStreamResponse reads one response off a stream by its Content-Length.
func readStreamResponse(r *bufio.Reader) (*sip.Response, error) {
	var head []byte
	length := 0
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		head = append(head, line...)
		if len(line) <= 2 {
			break
		}
		if k, v, ok := cutHeader(string(line)); ok && (k == "content-length" || k == "l") {
			length, _ = strconv.Atoi(v)
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	msg, err := sip.NewParser().ParseSIP(append(head, body...))
	if err != nil {
		return nil, err
	}
	res, ok := msg.(*sip.Response)
	if !ok {
		return nil, fmt.Errorf("not a response")
	}
	return res, nil
}

// cutHeader splits a header line into its lower-case name and trimmed value.
func cutHeader(line string) (string, string, bool) {
	k, v, ok := strings.Cut(line, ":")
	return strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v), ok
}

func Names(msgs map[string][]byte) []string {
	names := make([]string, 0, len(msgs))
	for n := range msgs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
