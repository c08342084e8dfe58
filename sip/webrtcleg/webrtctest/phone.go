package webrtctest

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Phone is a SIP-over-WebSocket caller (RFC 7118) as JsSIP is in a browser: one
// WebSocket to the gateway, a Contact on a .invalid host, in-dialog requests both ways
// over that one connection.
type Phone struct {
	ua    *sipgo.UserAgent
	dlg   *sipgo.DialogClientSession
	ended chan struct{}
	once  sync.Once
}

// CallOptions say whom a Phone calls with which offer.
type CallOptions struct {
	// Addr is the gateway's WebSocket listener, host:port.
	Addr string
	// TLS, when set, makes the call over wss: and verifies the gateway with it.
	TLS            *tls.Config
	Caller, Callee string // user parts of From and the Request-URI
	Offer          []byte
}

// Call sends an INVITE with the offer over the WebSocket and returns the phone in the
// call and the gateway's answer SDP, after the ACK.
func Call(ctx context.Context, t testing.TB, o CallOptions) (*Phone, []byte, error) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	transport := "ws"
	if o.TLS != nil {
		transport = "wss"
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("webrtctest"), sipgo.WithUserAgentHostname("browser.invalid"), sipgo.WithUserAgenTLSConfig(o.TLS),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)))
	if err != nil {
		return nil, nil, err
	}
	p := &Phone{ua: ua, ended: make(chan struct{})}
	t.Cleanup(func() { ua.Close() })
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		return nil, nil, err
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("browser.invalid"), sipgo.WithClientLogger(quiet))
	if err != nil {
		return nil, nil, err
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "browser", Host: "browser.invalid", UriParams: params("transport", transport)}}
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if p.dlg != nil {
			_ = p.dlg.ReadBye(req, tx)
		}
		p.end()
	})
	srv.OnInfo(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil))
	})
	dua := sipgo.DialogUA{Client: cli, ContactHDR: contact}
	host, port, err := sip.ParseAddr(o.Addr)
	if err != nil {
		return nil, nil, err
	}
	to := sip.Uri{Scheme: "sip", User: o.Callee, Host: host, Port: port, UriParams: params("transport", transport)}
	from := sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: o.Caller, Host: "browser.invalid"}, Params: params("tag", sip.GenerateTagN(10))}
	dlg, err := dua.Invite(ctx, to, o.Offer, &from, sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		return nil, nil, fmt.Errorf("INVITE: %w", err)
	}
	p.dlg = dlg
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		return nil, nil, fmt.Errorf("INVITE not answered: %w", err)
	}
	if err := dlg.Ack(ctx); err != nil {
		return nil, nil, fmt.Errorf("ACK: %w", err)
	}
	return p, dlg.InviteResponse.Body(), nil
}

// Info sends a digit in a SIP INFO (application/dtmf-relay), as JsSIP's sendDTMF with
// transportType INFO does.
func (p *Phone) Info(ctx context.Context, digit byte) error {
	req := sip.NewRequest(sip.INFO, p.dlg.InviteResponse.Contact().Address)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
	req.SetBody(fmt.Appendf(nil, "Signal=%c\r\nDuration=160\r\n", digit))
	res, err := p.dlg.Do(ctx, req)
	if err != nil {
		return err
	}
	if !res.IsSuccess() {
		return fmt.Errorf("INFO answered %d", res.StatusCode)
	}
	return nil
}

// Hangup sends BYE.
func (p *Phone) Hangup(ctx context.Context) error {
	defer p.end()
	return p.dlg.Bye(ctx)
}

// Ended is closed when the gateway hung up (or Hangup was called).
func (p *Phone) Ended() <-chan struct{} { return p.ended }

func (p *Phone) end() { p.once.Do(func() { close(p.ended) }) }

func params(key, value string) sip.HeaderParams {
	p := sip.NewParams()
	p.Add(key, value)
	return p
}
