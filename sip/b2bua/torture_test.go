package b2bua

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// topVia finds the transport and sent-by of a message's first Via, folded lines
// included (RFC 4475 wsinv), so a test sender can point UDP responses at itself: RFC 3261
// §18.2.2 sends them to the source IP and the Via's port.
var topVia = regexp.MustCompile(`(?im)^(?:via|v)[ \t]*:[ \t]*SIP[ \t\r\n]*/[ \t\r\n]*2\.0[ \t\r\n]*/[ \t\r\n]*([A-Za-z]+)[ \t\r\n]+([^;\s,]+)`)

// viaTo rewrites the first Via to UDP from addr; a message without one is unchanged.
func viaTo(msg []byte, addr string) []byte {
	m := topVia.FindSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	out := append([]byte{}, msg[:m[2]]...)
	out = append(out, "UDP"...)
	out = append(out, msg[m[3]:m[4]]...)
	out = append(out, addr...)
	return append(out, msg[m[5]:]...)
}

// tortureStatus is the response the gateway gave to each message: its final status, or
// the provisional one when no final came, 0 for none.
type tortureStatus map[string]int

// tortureKey names a message's responses: its Call-ID, or its CSeq when it has none
// (RFC 4475 insuf). Read from the text, since sipgo parses not all of them.
var callIDLine = regexp.MustCompile(`(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)`)
var cseqLine = regexp.MustCompile(`(?im)^cseq[ \t]*:[ \t]*(\d+)`)

func tortureKey(msg []byte) string {
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

// collector gathers responses by key.
type collector struct {
	responses chan *sip.Response
	got       map[string]int
}

func newCollector() *collector {
	return &collector{responses: make(chan *sip.Response, 64), got: map[string]int{}}
}

// until reads responses until every key in want has one, or the channel closes (a stream
// the gateway closed); it fails the test after testWait.
func (c *collector) until(t *testing.T, want ...string) {
	t.Helper()
	timeout := time.After(testWait)
	for {
		done := true
		for _, k := range want {
			if _, ok := c.got[k]; !ok {
				done = false
			}
		}
		if done {
			return
		}
		select {
		case res, ok := <-c.responses:
			if !ok {
				return
			}
			k := responseKey(res)
			if prev := c.got[k]; prev < 200 {
				c.got[k] = res.StatusCode
			}
		case <-timeout:
			t.Fatalf("no response for %v within %v (gateway gone?)", want, testWait)
		}
	}
}

// sendTorture sends each message (UDP: all from one socket, TCP: each on a connection of
// its own) followed by an OPTIONS probe, and waits for the probe's 200: the gateway read
// the message and still serves. expect lists messages whose own response is awaited too.
func sendTorture(t *testing.T, network, target string, msgs map[string][]byte, expect func(name string) bool) tortureStatus {
	t.Helper()
	out := tortureStatus{}
	for i, name := range sortedNames(msgs) {
		key, probeID := tortureKey(msgs[name]), fmt.Sprintf("probe-%d", i)
		want := []string{probeID}
		if expect(name) {
			want = append(want, key)
		}
		if network == "tcp" && name == "invalid/clerr" {
			want = nil // a stream waits for the body it announced (RFC 4475 clerr)
		}
		// A socket of its own for each message: many share a branch, and with one sent-by
		// they would be taken for retransmissions of each other.
		c := newCollector()
		func() {
			conn, err := net.Dial(network, target)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			self := conn.LocalAddr().String()
			msg := msgs[name]
			if network == "udp" {
				msg = viaTo(msg, self)
				go readDatagrams(conn, c.responses)
			} else {
				go readStream(conn, c.responses)
			}
			if _, err := conn.Write(msg); err != nil {
				t.Fatal(err)
			}
			_, _ = conn.Write(probe(probeID, self, strings.ToUpper(network))) // fails on a stream closed already
			c.until(t, want...)
		}()
		if status, ok := c.got[key]; ok && key != "" {
			out[name] = status
		}
	}
	return out
}

// dialUDP opens a raw UDP socket to the gateway whose responses c collects.
func dialUDP(t *testing.T, g *gateway) (net.Conn, *collector) {
	t.Helper()
	conn, err := net.Dial("udp", net.JoinHostPort(g.uri.Host, strconv.Itoa(g.uri.Port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := newCollector()
	go readDatagrams(conn, c.responses)
	return conn, c
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

func sortedNames(msgs map[string][]byte) []string {
	names := make([]string, 0, len(msgs))
	for n := range msgs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// tortureResponses is what the gateway answers each RFC 4475 message with, over UDP
// and TCP; 0 = no response (sipgo cannot parse it, it is a response, or UDP's screen
// drops it), 100 = a call the test's handler took and left unanswered.
var tortureResponses = map[string]struct{ udp, tcp int }{
	"invalid/badaspec":   {0, 0},     // space inside <>: unparseable
	"invalid/badbranch":  {200, 200}, // a bare cookie branch: still an OPTIONS to answer
	"invalid/baddate":    {100, 100}, // a non-GMT Date is no reason to refuse a call
	"invalid/baddn":      {0, 0},
	"invalid/badinv01":   {0, 0},
	"invalid/badvers":    {0, 505}, // SIP/7.0: the UDP screen drops it, TCP gets 505
	"invalid/bcast":      {0, 0},   // a response
	"invalid/bext01":     {420, 420},
	"invalid/bigcode":    {0, 0},
	"invalid/clerr":      {0, -1}, // -1: a stream waits for the 9999 announced bytes
	"invalid/cparam01":   {405, 405},
	"invalid/cparam02":   {405, 405},
	"invalid/escruri":    {400, 400},
	"invalid/insuf":      {400, 400},
	"invalid/inv2543":    {400, 0}, // no Content-Length: a stream cannot frame it (§18.3)
	"invalid/invut":      {415, 415},
	"invalid/ltgtruri":   {0, 0},
	"invalid/lwsruri":    {0, 0},
	"invalid/lwsstart":   {0, 0},
	"invalid/mcl01":      {400, 0}, // two Content-Lengths: sipgo's stream parser drops the stream
	"invalid/mismatch01": {400, 400},
	"invalid/mismatch02": {405, 405}, // an unknown method: sipgo's 405 before any check
	"invalid/multi01":    {400, 400},
	"invalid/ncl":        {0, 0},
	"invalid/novelsc":    {0, 0},
	"invalid/quotbal":    {0, 0},
	"invalid/regaut01":   {405, 405},
	"invalid/regbadct":   {405, 405},
	"invalid/regescrt":   {405, 405},
	"invalid/scalar02":   {0, 0},
	"invalid/scalarlg":   {0, 0},
	"invalid/sdp01":      {406, 406},
	"invalid/test":       {0, 0},
	"invalid/trws":       {0, 0},
	"invalid/unkscm":     {416, 416},
	"invalid/unksm2":     {405, 405},
	"invalid/zeromf":     {200, 200}, // RFC 4475: an endpoint processes Max-Forwards 0
	"valid/dblreq":       {405, 0},   // sipgo's stream parser drops the stream at the blank line between the two
	"valid/esc01":        {100, 100},
	"valid/esc02":        {0, 405}, // the UDP screen takes only A-Z methods
	"valid/escnull":      {405, 405},
	"valid/intmeth":      {0, 405},
	"valid/longreq":      {0, 100}, // over UDP no response with its 34 Vias fits a datagram: dropped
	"valid/lwsdisp":      {200, 200},
	"valid/mpart01":      {481, 481}, // MESSAGE outside a dialog
	"valid/noreason":     {0, 0},
	"valid/semiuri":      {200, 200},
	"valid/transports":   {200, 200},
	"valid/unreason":     {0, 0},
	"valid/wsinv":        {400, 400}, // sipgo reads no tag in "tag = 98asjd8": no dialog can be made
}

func TestTortureMessagesLeaveTheGatewayServing(t *testing.T) {
	var served atomic.Int32
	var rejected reasons
	// Calls are left unanswered: the test sends no ACK, and nothing goes to the
	// documentation addresses in their SDP.
	h := handlerFunc(func(ctx context.Context, in *Inbound) { served.Add(1) })
	msgs := tortureMessages(t)
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			g := startGatewayWith(t, network, 8, h, Admission{Rejected: rejected.add})
			target := net.JoinHostPort(g.uri.Host, strconv.Itoa(g.uri.Port))
			want := func(name string) int {
				if network == "udp" {
					return tortureResponses[name].udp
				}
				return tortureResponses[name].tcp
			}
			got := sendTorture(t, network, target, msgs, func(name string) bool { return want(name) != 0 })
			for _, name := range sortedNames(msgs) {
				if _, listed := tortureResponses[name]; !listed {
					t.Errorf("%s: no expected response listed", name)
				}
				if w := max(want(name), 0); got[name] != w {
					t.Errorf("%s over %s: answered %d, want %d", name, network, got[name], w)
				}
			}
		})
	}
	if n := rejected.get(RejectBadRequest); n == 0 {
		t.Error("no request counted as bad_request")
	}
}
