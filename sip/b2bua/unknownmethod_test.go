package b2bua

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// A SIP method the gateway does not serve (svcrack guesses passwords with REGISTER) gets
// 405 with the Allow header (RFC 3261 §8.2.1), one it does not know 501 (§21.5.2); each is
// counted and writes no log line at info level on the gateway's logger or the process's
// default one: sipgo's own 405 logged a WARN per request, so anyone could fill the log.
func TestUnknownMethodsGet405WithAllowAndNoLogLine(t *testing.T) {
	var logs, defaultLog lockedBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&defaultLog, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	var rejected reasons
	g := startGatewayAdjusted(t, "udp", 1, handlerFunc(func(context.Context, *Inbound) {}), func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		o.Admission.Rejected = rejected.add
	})
	conn, err := net.Dial("udp", g.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	local := conn.LocalAddr().String()

	for i, tc := range []struct{ method, status string }{{"REGISTER", "405"}, {"PUBLISH", "405"}, {"FROBNICATE", "501"}} {
		method := tc.method
		fmt.Fprintf(conn, "%s sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-unknown-%d\r\nMax-Forwards: 70\r\n"+
			"From: <sip:alice@%s>;tag=%d\r\nTo: <sip:alice@%s>\r\nCall-ID: unknown-%d@test\r\nCSeq: 1 %s\r\n"+
			"Contact: <sip:alice@%s>\r\nContent-Length: 0\r\n\r\n",
			method, g.Addrs()[0], local, i, local, i, g.Addrs()[0], i, method, local)
		res := readDatagram(t, conn)
		if !strings.HasPrefix(res, "SIP/2.0 "+tc.status+" ") || !strings.Contains(res, "\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n") {
			t.Errorf("%s answered\n%s\nwant %s with Allow", method, res, tc.status)
		}
	}
	if n := rejected.get(RejectBadRequest); n != 3 {
		t.Errorf("%d refusals counted as %s, want 3", n, RejectBadRequest)
	}
	if out := logs.String(); out != "" {
		t.Errorf("gateway log has lines for refused requests:\n%s", out)
	}
	// The default logger is the whole test binary's: sipgo's transports of other tests
	// write to it too ("TCP ref went negative" as one closes). Lines about these requests
	// name their method, Call-ID or the handler sipgo did not find.
	for _, line := range strings.Split(defaultLog.String(), "\n") {
		for _, mark := range []string{"REGISTER", "PUBLISH", "FROBNICATE", "unknown-", "andler"} {
			if strings.Contains(line, mark) {
				t.Errorf("default log has a line for a refused request: %s", line)
				break
			}
		}
	}
}

// readDatagram reads one datagram or fails the test after testWait.
func readDatagram(t *testing.T, conn net.Conn) string {
	t.Helper()
	buf := make([]byte, 65535)
	_ = conn.SetReadDeadline(time.Now().Add(testWait))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return string(buf[:n])
}
