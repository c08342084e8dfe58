package b2bua

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
)

// peer is a sipgo user agent on loopback playing the trunk (UAC) or the agent (UAS).
type peer struct {
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	cli     *sipgo.Client
	addr    string
	network string
	contact sip.ContactHeader
	uac     *sipgo.DialogClientCache
	uas     *sipgo.DialogServerCache
	close   func()
}

// newPeer starts a sipgo UA listening on a free loopback port; setup registers its
// request handlers before it serves.
func newPeer(t *testing.T, network string, setup func(p *peer)) *peer {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("peer"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgenTLSConfig(testTLS(t)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	var serve func() error
	var closeLn func() error
	var port int
	switch network {
	case "tls":
		ln, err := tls.Listen("tcp", "127.0.0.1:0", testTLS(t))
		if err != nil {
			t.Fatal(err)
		}
		port, closeLn = ln.Addr().(*net.TCPAddr).Port, ln.Close
		serve = func() error { return srv.ServeTLS(ln) }
	case "tcp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port, closeLn = ln.Addr().(*net.TCPAddr).Port, ln.Close
		serve = func() error { return srv.ServeTCP(ln) }
	default:
		conn, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port, closeLn = conn.LocalAddr().(*net.UDPAddr).Port, conn.Close
		serve = func() error { return srv.ServeUDP(conn) }
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet), sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(port))
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{ua: ua, srv: srv, cli: cli, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), network: network}
	p.contact = sip.ContactHeader{Address: sipURI("peer", p.addr, network)}
	p.uac = sipgo.NewDialogClientCache(cli, p.contact)
	p.uas = sipgo.NewDialogServerCache(cli, p.contact)
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = p.uas.ReadAck(req, tx) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := p.uac.ReadBye(req, tx); err == nil {
			return
		}
		if err := p.uas.ReadBye(req, tx); err == nil {
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

// callerInvite is the outcome of a caller's INVITE: every status seen, and the dialog
// when it was answered (already ACKed).
type callerInvite struct {
	dlg      *sipgo.DialogClientSession
	statuses []int
	answer   *sdpneg.Description
	err      error
}

// invite sends an INVITE with body as its SDP to target, waits for the final response
// and ACKs a 2xx.
func (p *peer) invite(t *testing.T, target sip.Uri, body string, hdrs ...sip.Header) callerInvite {
	t.Helper()
	return p.inviteWatching(t, target, body, nil, hdrs...)
}

// inviteWatching is invite with onResponse called on every response to the INVITE, as
// it arrives.
func (p *peer) inviteWatching(t *testing.T, target sip.Uri, body string, onResponse func(*sip.Response), hdrs ...sip.Header) callerInvite {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	req := sip.NewRequest(sip.INVITE, target)
	from := &sip.FromHeader{
		DisplayName: "Caller",
		Address:     sip.Uri{Scheme: "sip", User: "caller", Host: "127.0.0.1"},
		Params:      sip.NewParams(),
	}
	from.Params.Add("tag", sip.GenerateTagN(8))
	req.AppendHeader(from)
	req.AppendHeader(sip.HeaderClone(&p.contact))
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	if body != "" {
		req.SetBody([]byte(body))
		if req.ContentType() == nil { // hdrs may type the body otherwise
			req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		}
	}
	var out callerInvite
	dlg, err := p.uac.WriteInvite(ctx, req)
	if err != nil {
		t.Fatalf("sending INVITE: %v", err)
	}
	t.Cleanup(func() { dlg.Close() })
	out.err = dlg.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
		out.statuses = append(out.statuses, res.StatusCode)
		if onResponse != nil {
			onResponse(res)
		}
		return nil
	}})
	if out.err != nil {
		return out
	}
	out.dlg = dlg
	if out.answer, err = sdpneg.Parse(dlg.InviteResponse.Body()); err != nil {
		t.Fatalf("answer SDP: %v\n%s", err, dlg.InviteResponse.Body())
	}
	if err := dlg.Ack(ctx); err != nil {
		t.Fatalf("ACK: %v", err)
	}
	return out
}

// finalStatus is the status of a refused INVITE.
func (c callerInvite) finalStatus(t *testing.T) int {
	t.Helper()
	var refused *sipgo.ErrDialogResponse
	if !errors.As(c.err, &refused) {
		t.Fatalf("INVITE did not end with a final response: %v", c.err)
	}
	return refused.Res.StatusCode
}

// request sends a request out of any dialog and returns its final response.
func (p *peer) request(t *testing.T, req *sip.Request) *sip.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	res, err := p.cli.Do(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", req.Method, err)
	}
	return res
}

// inDialog sends a request in the caller's dialog and returns its final response.
func inDialog(t *testing.T, dlg *sipgo.DialogClientSession, req *sip.Request) *sip.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	res, err := dlg.Do(ctx, req)
	if err != nil {
		t.Fatalf("in-dialog %s: %v", req.Method, err)
	}
	return res
}

// remoteTarget is where in-dialog requests of the caller go: the gateway's Contact.
func remoteTarget(dlg *sipgo.DialogClientSession) sip.Uri {
	return dlg.InviteResponse.Contact().Address
}

// sdpOffer writes an audio offer from 127.0.0.1:port with the given "PT name/rate"
// formats and an optional direction attribute.
func sdpOffer(port int, dir string, formats ...string) string {
	var pts []string
	var attrs strings.Builder
	for _, f := range formats {
		pt, rtpmap, _ := strings.Cut(f, " ")
		pts = append(pts, pt)
		fmt.Fprintf(&attrs, "a=rtpmap:%s %s\r\n", pt, rtpmap)
	}
	if dir != "" {
		fmt.Fprintf(&attrs, "a=%s\r\n", dir)
	}
	return "v=0\r\n" +
		"o=peer 1 1 IN IP4 127.0.0.1\r\n" +
		"s=-\r\n" +
		"c=IN IP4 127.0.0.1\r\n" +
		"t=0 0\r\n" +
		fmt.Sprintf("m=audio %d RTP/AVP %s\r\n", port, strings.Join(pts, " ")) +
		attrs.String()
}

const (
	fmtPCMU  = "0 PCMU/8000"
	fmtPCMA  = "8 PCMA/8000"
	fmtG722  = "9 G722/8000"
	fmtOpus  = "111 opus/48000/2"
	fmtEvent = "101 telephone-event/8000"
)

// agent is a sipgo UAS playing the agent the gateway dials: it rings, then answers as
// its script says, and answers any re-INVITE 200.
type agent struct {
	*peer
	invites   chan *sip.Request               // initial INVITEs, as received
	reinvites chan *sip.Request               // re-INVITEs within an answered dialog
	answered  chan *sipgo.DialogServerSession // dialogs it answers 2xx, as it sends the 2xx
	acks      chan *sip.Request               // every ACK it gets
	ringing   chan *sipgo.DialogServerSession // dialogs it left ringing (script said 180)
}

// newAgent starts an agent; answer gives the final status and SDP for each INVITE, or
// 180 to ring until cancelled.
func newAgent(t *testing.T, network string, answer func(req *sip.Request) (int, string)) *agent {
	t.Helper()
	a := &agent{
		invites:   make(chan *sip.Request, 4),
		reinvites: make(chan *sip.Request, 4),
		answered:  make(chan *sipgo.DialogServerSession, 4),
		ringing:   make(chan *sipgo.DialogServerSession, 4),
		acks:      make(chan *sip.Request, 8),
	}
	a.peer = newPeer(t, network, func(p *peer) {
		p.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
			_ = p.uas.ReadAck(req, tx)
			select {
			case a.acks <- req:
			default:
			}
		})
		p.srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
			if req.To().Params.Has("tag") {
				a.reinvites <- req
				res := sip.NewSDPResponseFromRequest(req, []byte(sdpOffer(40000, "", fmtPCMA, fmtEvent)))
				res.AppendHeader(sip.HeaderClone(&p.contact))
				_ = tx.Respond(res)
				return
			}
			dlg, err := p.uas.ReadInvite(req, tx)
			if err != nil {
				_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusBadRequest, "Bad Request", nil))
				return
			}
			a.invites <- req
			code, body := answer(req)
			if code == sip.StatusRinging {
				_ = dlg.Respond(sip.StatusRinging, "Ringing", nil)
				a.ringing <- dlg
				return
			}
			if code != sip.StatusOK {
				_ = dlg.Respond(code, "Scripted", nil)
				return
			}
			_ = dlg.Respond(sip.StatusRinging, "Ringing", nil)
			// Handed out before the 2xx: sipgo runs each request on its own goroutine, so
			// an ACK and a BYE right behind it may be read in either order and the wait
			// for the ACK inside RespondSDP can end either way.
			a.answered <- dlg
			_ = dlg.RespondSDP([]byte(body))
		})
	})
	return a
}

// uri is where the gateway dials the agent.
func (a *agent) uri() sip.Uri { return sipURI("agent", a.addr, a.network) }

// answerWith answers every INVITE with status code and, for 200, an SDP of formats.
func answerWith(code int, formats ...string) func(*sip.Request) (int, string) {
	return func(*sip.Request) (int, string) {
		return code, sdpOffer(40000, "", formats...)
	}
}

// byeCaller hangs up from the caller's side; the BYE must get 200.
func byeCaller(t *testing.T, call callerInvite) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := call.dlg.Bye(ctx); err != nil {
		t.Fatalf("caller BYE: %v", err)
	}
}

// byeAgent hangs up from the agent's side once its 2xx was ACKed (sipgo's BYE would
// otherwise poll for the ACK every T1); the BYE must get 200.
func byeAgent(t *testing.T, dlg *sipgo.DialogServerSession) {
	t.Helper()
	waitUntil(t, func() bool { return dlg.LoadState() >= sip.DialogStateConfirmed }, "the ACK to the agent's 2xx")
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := dlg.Bye(ctx); err != nil {
		t.Fatalf("agent BYE: %v", err)
	}
}
