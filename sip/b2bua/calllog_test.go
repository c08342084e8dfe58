package b2bua

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer collects log output written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitLogged waits until the log holds want.
func waitLogged(t *testing.T, log *lockedBuffer, want string) {
	t.Helper()
	deadline := time.NewTimer(testWait)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(log.String(), want) {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("no log line with %q:\n%s", want, log.String())
		}
	}
}

func testCallIDKey(callID string) string {
	sum := sha256.Sum256([]byte("test:" + callID))
	return hex.EncodeToString(sum[:])
}

// A trunk that builds its Call-IDs from the caller's number, and anyone who sends a
// response with the number in its reason phrase: the gateway's log names the call by
// the key of its Call-ID, and the number, the raw Call-ID and the control characters
// reach no line. sipgo would log a stray response's reason phrase verbatim, on the
// process's default logger.
func TestLogsNameCallsByTheirCallIDKeyAndRedactWhatOthersSend(t *testing.T) {
	var logs lockedBuffer
	var defaultLog lockedBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&defaultLog, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	g := startGatewayAdjusted(t, "udp", 2, handlerFunc(func(context.Context, *Inbound) {}), func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.CallIDKey = testCallIDKey
	})
	conn, err := net.Dial("udp", g.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	local := conn.LocalAddr().String()

	const inviteCallID = "+4512345678-1@trunk.example.com"
	body := "v=0\r\nnot an SDP body\r\n"
	fmt.Fprintf(conn, "INVITE sip:100@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-pii-1\r\nMax-Forwards: 70\r\n"+
		"From: \"Jens 4512345678\" <sip:anonymous@trunk.example.com>;tag=a1\r\nTo: <sip:100@%s>\r\nCall-ID: %s\r\n"+
		"CSeq: 1 INVITE\r\nContact: <sip:trunk@%s>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		g.Addrs()[0], local, g.Addrs()[0], inviteCallID, local, len(body), body)
	waitLogged(t, &logs, "unusable SDP offer") // the refusal line: msg="INVITE refused", error="unusable SDP offer: …"

	const strayCallID = "4512345678-stray@trunk.example.com"
	fmt.Fprintf(conn, "SIP/2.0 486 Jens on +45 12 34 56 78\x1b[31m\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-stray-1\r\n"+
		"From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		g.Addrs()[0], strayCallID)
	waitLogged(t, &logs, "stray SIP response dropped")

	out := logs.String()
	for _, want := range []string{"call_id_key=" + testCallIDKey(inviteCallID), "call_id_key=" + testCallIDKey(strayCallID), "Jens on ***"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for where, text := range map[string]string{"gateway log": out, "default log": defaultLog.String()} {
		for _, leak := range []string{"4512345678", "45 12 34 56 78", "\x1b", "\\x1b", "trunk.example.com\r"} {
			if strings.Contains(text, leak) {
				t.Errorf("%s holds %q:\n%s", where, leak, text)
			}
		}
	}
}
