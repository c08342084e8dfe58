package b2bua

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
)

// listenWebSocket binds a SIP-over-WebSocket listener (RFC 7118): sipgo upgrades any
// request path that asks for the "sip" subprotocol; wss: is the same inside TLS.
func (s *Server) listenWebSocket(l Listener) (serve func(), err error) {
	ln, err := net.Listen("tcp", l.Addr)
	if err != nil {
		return nil, fmt.Errorf("b2bua: listen %s %s: %w", l.Network, l.Addr, err)
	}
	if l.Network == "wss" && s.opts.TLS == nil {
		ln.Close()
		return nil, errors.New("b2bua: a wss listener needs a certificate (sip.tls.cert and sip.tls.key)")
	}
	var cfg *tls.Config
	if l.Network == "wss" {
		cfg = s.opts.TLS
	}
	ready := newReadyListener(s.guard(ln, false), cfg)
	s.bound = append(s.bound, ln.Addr())
	s.closers = append(s.closers, ready.Close)
	s.addWebSocketContact(l.Network, ln.Addr().(*net.TCPAddr).Port)
	if l.Network == "ws" {
		return func() { s.serve("ws", func() error { return s.srv.ServeWS(ready) }) }, nil
	}
	return func() { s.serve("wss", func() error { return s.srv.ServeWSS(ready) }) }, nil
}

// addWebSocketContact makes the Contact that callers on the first listener of network
// ("ws" or "wss") get: a URI on that listener with its transport (RFC 7118 §5), so even a
// client that sends to the Contact rather than down its one connection reaches it.
func (s *Server) addWebSocketContact(network string, port int) {
	if s.wsDialogs == nil {
		s.wsDialogs = map[string]sipgo.DialogUA{}
	}
	key := strings.ToUpper(network)
	if _, ok := s.wsDialogs[key]; ok {
		return
	}
	c := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: s.contact.Address.User, Host: s.contact.Address.Host, Port: port, UriParams: sip.NewParams()}}
	c.Address.UriParams.Add("transport", network)
	s.wsDialogs[key] = sipgo.DialogUA{Client: s.cli, ContactHDR: c}
}

// dialogsFor is the dialog UA whose Contact suits the transport req came on.
func (s *Server) dialogsFor(req *sip.Request) (*sipgo.DialogUA, sip.ContactHeader) {
	if d, ok := s.wsDialogs[strings.ToUpper(req.Transport())]; ok {
		return &d, d.ContactHDR
	}
	d := s.dialogsForTransport(req.Transport())
	return d, d.ContactHDR
}

// onWebRTCInvite takes a browser's call: its offer is answered by a peer connection
// before the call is handed on, so an offer the gateway cannot meet gets 488 up front.
func (s *Server) onWebRTCInvite(log *slog.Logger, req *sip.Request, tx sip.ServerTransaction, offer *sdpneg.Description, choice sdpneg.Choice) {
	if s.opts.WebRTC == nil {
		s.refuseInvite(log, req, tx, notAcceptable(errors.New("WebRTC media is not enabled")))
		return
	}
	m, err := s.opts.WebRTC(choice, log)
	if err != nil {
		s.refuseInvite(log, req, tx, Status(sip.StatusServiceUnavailable, "Service Unavailable", fmt.Errorf("no WebRTC media: %w", err)))
		return
	}
	defer m.Close()
	answer, err := m.Answer(s.baseCtx, req.Body())
	if err != nil {
		s.refuseInvite(log, req, tx, notAcceptable(fmt.Errorf("browser offer not answerable: %w", err)))
		return
	}
	in := &Inbound{
		leg:     leg{log: log, secure: m, Choice: choice, events: make(chan Event, 16), peerDirection: peerDirectionOf(offer)},
		Request: req,
		Offer:   offer,
		server:  s,
		answer:  answer,
	}
	s.accept(log, req, tx, in, func() {
		log.Info("WebRTC caller", "transport", req.Transport(), "codec", choice.Audio.Name)
	})
}
