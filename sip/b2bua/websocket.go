package b2bua

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
)

// listenWebSocket binds a SIP-over-WebSocket listener (RFC 7118): sipgo upgrades any
// request path that asks for the "sip" subprotocol; wss: is the same inside TLS.
func (s *Server) listenWebSocket(l Listener) error {
	ln, err := net.Listen("tcp", l.Addr)
	if err != nil {
		return fmt.Errorf("b2bua: listen %s %s: %w", l.Network, l.Addr, err)
	}
	s.bound = append(s.bound, ln.Addr())
	s.closers = append(s.closers, ln.Close)
	if l.Network == "ws" {
		go s.serve("ws", func() error { return s.srv.ServeWS(ln) })
		return nil
	}
	if s.opts.TLS == nil {
		return errors.New("b2bua: a wss listener needs a certificate (sip.tls.cert and sip.tls.key)")
	}
	tlsLn := tls.NewListener(ln, s.opts.TLS)
	go s.serve("wss", func() error { return s.srv.ServeWSS(tlsLn) })
	return nil
}

// onWebRTCInvite takes a browser's call: its offer is answered by a peer connection
// before the call is handed on, so an offer the gateway cannot meet gets 488 up front.
func (s *Server) onWebRTCInvite(log *slog.Logger, req *sip.Request, tx sip.ServerTransaction, offer *sdpneg.Description, choice sdpneg.Choice) {
	if s.opts.WebRTC == nil {
		log.Info("INVITE refused: WebRTC media is not enabled")
		s.reply(log, req, tx, sip.StatusNotAcceptableHere, "Not Acceptable Here")
		return
	}
	m, err := s.opts.WebRTC(choice, log)
	if err != nil {
		log.Error("INVITE refused: no WebRTC media", "error", err)
		s.reply(log, req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	defer m.Close()
	answer, err := m.Answer(s.baseCtx, req.Body())
	if err != nil {
		log.Warn("INVITE refused: browser offer not answerable", "error", err)
		s.reply(log, req, tx, sip.StatusNotAcceptableHere, "Not Acceptable Here")
		return
	}
	dlg, err := s.dialogs.ReadInvite(req, tx)
	if err != nil {
		log.Warn("INVITE refused: not a dialog-forming request", "error", err)
		s.reply(log, req, tx, sip.StatusBadRequest, "Bad Request")
		return
	}
	defer dlg.Close()
	in := &Inbound{
		leg:     leg{log: log, secure: m, Choice: choice, events: make(chan Event, 16), peerDirection: peerDirectionOf(offer)},
		Request: req,
		Offer:   offer,
		dlg:     dlg,
		contact: s.contact,
		server:  s,
		answer:  answer,
	}
	log.Info("WebRTC caller", "transport", req.Transport(), "codec", choice.Audio.Name)
	s.serveCall(log, req, tx, in)
}
