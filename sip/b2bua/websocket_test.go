package b2bua

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// A WebSocket client that connects and says nothing must not hold up the next one, and
// SIP over WebSocket is served at whatever path the client asks for (RFC 7118 §4.1).
func TestWebSocketListenerServesAnyPathPastASilentClient(t *testing.T) {
	g := startGateway(t, "ws", 1, handlerFunc(func(context.Context, *Inbound) {}))
	addr := g.Addrs()[0].String()
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	for _, path := range []string{"/", "/sip/ws"} {
		conn, _, _, err := ws.Dialer{Protocols: []string{"sip"}}.Dial(ctx, "ws://"+addr+path)
		if err != nil {
			t.Fatalf("WebSocket to %s: %v", path, err)
		}
		options := fmt.Sprintf("OPTIONS sip:100@%s;transport=ws SIP/2.0\r\n"+
			"Via: SIP/2.0/WS browser.invalid;branch=z9hG4bK-%d\r\n"+
			"From: <sip:browser@browser.invalid>;tag=1\r\nTo: <sip:100@%s>\r\n"+
			"Call-ID: ws-options-%d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", addr, len(path), addr, len(path))
		if err := wsutil.WriteClientText(conn, []byte(options)); err != nil {
			t.Fatal(err)
		}
		res, err := wsutil.ReadServerText(conn)
		if err != nil {
			t.Fatalf("reading the answer on %s: %v", path, err)
		}
		if !strings.HasPrefix(string(res), "SIP/2.0 200") {
			t.Errorf("OPTIONS over WebSocket %s answered %q", path, strings.SplitN(string(res), "\r\n", 2)[0])
		}
		conn.Close()
	}
}
