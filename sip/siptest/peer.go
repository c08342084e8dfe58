package siptest

import (
	"crypto/tls"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Peer is a sipgo user agent listening on a loopback port of its own, with dialog caches
// for the calls it places (UAC) and takes (UAS).
type Peer struct {
	UA      *sipgo.UserAgent
	Server  *sipgo.Server
	Client  *sipgo.Client
	Addr    string // host:port it listens on
	Network string // udp, tcp or tls
	Contact sip.ContactHeader
	UAC     *sipgo.DialogClientCache
	UAS     *sipgo.DialogServerCache
	close   func()
}

// NewPeer starts a peer on a free loopback port of network (udp, tcp or tls, with the
// certificate of TLS); setup registers its request handlers before it serves. It stops
// when the test ends.
func NewPeer(t testing.TB, network string, setup func(p *Peer)) *Peer {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("peer"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgenTLSConfig(TLS(t)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	port, serve, closeLn := listen(t, srv, network)
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet), sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(port))
	if err != nil {
		t.Fatal(err)
	}
	p := &Peer{UA: ua, Server: srv, Client: cli, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Network: network}
	p.Contact = sip.ContactHeader{Address: URI("peer", p.Addr, network)}
	p.UAC = sipgo.NewDialogClientCache(cli, p.Contact)
	p.UAS = sipgo.NewDialogServerCache(cli, p.Contact)
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = p.UAS.ReadAck(req, tx) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := p.UAC.ReadBye(req, tx); err == nil {
			return
		}
		if err := p.UAS.ReadBye(req, tx); err == nil {
			return
		}
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
	})
	if setup != nil {
		setup(p)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = serve() }()
	var once sync.Once
	p.close = func() {
		once.Do(func() {
			closeLn()
			ua.Close()
			<-done
		})
	}
	t.Cleanup(p.close)
	return p
}

// Close stops the peer before the test ends (a peer that went away).
func (p *Peer) Close() { p.close() }

// listen binds a loopback socket for network on a port the kernel picks (binding is
// atomic, so no reservation is needed) and returns how the server serves it.
func listen(t testing.TB, srv *sipgo.Server, network string) (port int, serve, closeLn func() error) {
	t.Helper()
	switch network {
	case "tls":
		ln, err := tls.Listen("tcp", "127.0.0.1:0", TLS(t))
		if err != nil {
			t.Fatal(err)
		}
		return ln.Addr().(*net.TCPAddr).Port, func() error { return srv.ServeTLS(ln) }, ln.Close
	case "tcp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln.Addr().(*net.TCPAddr).Port, func() error { return srv.ServeTCP(ln) }, ln.Close
	default:
		conn, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return conn.LocalAddr().(*net.UDPAddr).Port, func() error { return srv.ServeUDP(conn) }, conn.Close
	}
}

// URI is a SIP URI for user at hostPort, with transport=tcp or tls when network says so.
func URI(user, hostPort, network string) sip.Uri {
	host, portStr, _ := net.SplitHostPort(hostPort)
	port, _ := strconv.Atoi(portStr)
	u := sip.Uri{Scheme: "sip", User: user, Host: host, Port: port, UriParams: sip.NewParams(), Headers: sip.NewParams()}
	if network == "tcp" || network == "tls" {
		u.UriParams.Add("transport", network)
	}
	return u
}
