// Package b2bua is the gateway's SIP edge: a back-to-back user agent on sipgo that answers
// callers itself (the inbound leg), places the call to an agent (the outbound leg), and
// keeps both dialogs and their anchored media until the call ends.
package b2bua

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/redact"
	"github.com/consentgw/consentgw/sip/sdpneg"
)

// CallHandler runs one call from its inbound leg. ServeCall returns when the call is over;
// the server then releases the leg's media and dialog. A call the handler does not take
// is refused with Inbound.Refuse.
type CallHandler interface {
	ServeCall(ctx context.Context, in *Inbound)
}

// Listener is one SIP listening socket: Network "udp", "tcp", "ws" or "wss" (SIP over
// WebSocket, RFC 7118, at any request path), Addr "host:port".
type Listener struct {
	Network string
	Addr    string
}

// Options configure a Server.
type Options struct {
	Listeners []Listener
	// PublicHost is the host advertised in Contact and Via.
	PublicHost string
	// MediaIP is the address in the gateway's SDP; the port pool binds on it.
	MediaIP netip.Addr
	Ports   *media.PortPool
	// DualStack is a media address of the other family (IPv6 beside IPv4, or the other
	// way round), for peers whose SDP names that family; nil = offers of the other
	// family get 488.
	DualStack *MediaAddr
	Handler   CallHandler
	// Logger gets every line of the server and its calls, outside text redacted (see
	// redact.NewEdgeHandler); each call's lines carry call_id_key, never the Call-ID.
	Logger    *slog.Logger
	UserAgent string
	// CallIDKey keys Call-IDs for logs and events (subject.Pseudonymizer.CallIDKey);
	// nil = a key of this server's own, which matches nothing outside the process.
	CallIDKey CallIDKey
	// Admission refuses calls cheaply: untrusted sources, floods, too many calls.
	Admission Admission
	// SRTP is the policy for SDES-SRTP on callers' legs; "" = sdpneg.SRTPOptional.
	SRTP sdpneg.SRTP
	// TLS holds the certificate of "tls" and "wss" listeners and the roots that verify
	// sips: and transport=tls targets; nil = no TLS.
	TLS *tls.Config
	// WebRTC answers offers of DTLS-SRTP media (browsers); nil refuses them with 488.
	WebRTC WebRTCFactory
	// Refused is told the status of every INVITE refused after admission (an offer
	// the gateway cannot take, no media port, the handler's Inbound.Refuse); may be nil.
	Refused func(status int)
	// reorderWait bounds the wait of an in-dialog INFO for the one before it (tests set
	// it); 0 = defaultReorderWait.
	reorderWait time.Duration
}

// Server is the B2BUA. Each call is owned by the goroutine that received its INVITE.
type Server struct {
	opts    Options
	log     *slog.Logger
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	cli     *sipgo.Client
	dialogs sipgo.DialogUA
	contact sip.ContactHeader
	// wsDialogs are the dialog UAs of WebSocket callers by transport ("WS", "WSS"),
	// filled by Start before any request is served.
	wsDialogs map[string]sipgo.DialogUA
	// dialogsTLS is dialogs with a Contact on the TLS listener, so a peer reached over
	// TLS sends its in-dialog requests over TLS too (RFC 3261 §26.2.1).
	dialogsTLS sipgo.DialogUA
	// dialogsUDP sends UDP requests from the first UDP listener's own socket, set by
	// Start once it is bound (see udpClient); the zero value until then.
	dialogsUDP sipgo.DialogUA
	// clientOpts are the options every client of the server shares.
	clientOpts []sipgo.ClientOption

	legs   sync.Map // dialog ID → *Inbound or *Outbound
	calls  sync.WaitGroup
	active atomic.Int64

	baseCtx context.Context
	cancel  context.CancelFunc
	// admit orders taking a call (calls.Add) before Shutdown's calls.Wait: a WaitGroup
	// must not go up from zero while someone waits on it.
	admit    sync.Mutex
	admitted int // calls between admitCall and callDone; under admit
	closing  atomic.Bool
	draining atomic.Bool // see Drain
	bound    []net.Addr
	closers  []func() error
	limiter  *sourceLimiter // nil = no per-source INVITE limit
	streams  *streamGuard   // connections per source on the stream listeners
}

// New builds a server; Start binds its listeners.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "consentgw"
	}
	if opts.CallIDKey == nil {
		opts.CallIDKey = randomCallIDKey()
	}
	if len(opts.Listeners) == 0 {
		return nil, errors.New("b2bua: no SIP listener configured")
	}
	_, portStr, err := net.SplitHostPort(opts.Listeners[0].Addr)
	if err != nil {
		return nil, fmt.Errorf("b2bua: listener %q: %w", opts.Listeners[0].Addr, err)
	}
	port, _ := strconv.Atoi(portStr)

	s := &Server{opts: opts, log: slog.New(redact.NewEdgeHandler(opts.Logger.Handler())),
		limiter: newLimiter(opts.Admission), streams: newStreamGuard(maxStreamsPerSource)}
	// sipgo's debug lines are noise, and its warnings and errors may quote whole SIP
	// messages (one it could not parse): it only gets to say warnings and errors, every
	// string it logs is redacted, and the Call-IDs it names are keyed.
	sipLog := slog.New(levelFloor{sipgoLog{redact.NewHandler(opts.Logger.Handler()), opts.CallIDKey}, slog.LevelWarn})
	parser := sip.NewParser()
	parser.MaxMessageLength = MaxMessageBytes
	uaOpts := []sipgo.UserAgentOption{sipgo.WithUserAgent(opts.UserAgent), sipgo.WithUserAgentHostname(opts.PublicHost),
		sipgo.WithUserAgentParser(parser),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sipLog), sip.WithTransportLayerReadFilter(s.screen)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sipLog),
			sip.WithTransactionLayerUnhandledResponseHandler(s.onStrayResponse))}
	if opts.TLS != nil {
		uaOpts = append(uaOpts, sipgo.WithUserAgenTLSConfig(opts.TLS))
	}
	ua, err := sipgo.NewUA(uaOpts...)
	if err != nil {
		return nil, fmt.Errorf("b2bua: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(sipLog))
	if err != nil {
		return nil, fmt.Errorf("b2bua: server: %w", err)
	}
	// RFC 3581: rport asks the next hop to answer to the packet's source port, so a
	// response reaches the gateway even where a NAT rewrote it.
	s.clientOpts = []sipgo.ClientOption{sipgo.WithClientLogger(sipLog), sipgo.WithClientHostname(opts.PublicHost), sipgo.WithClientNAT()}
	cli, err := sipgo.NewClient(ua, append(s.clientOpts, sipgo.WithClientPort(port))...)
	if err != nil {
		return nil, fmt.Errorf("b2bua: client: %w", err)
	}
	s.ua, s.srv, s.cli = ua, srv, cli
	s.contact = sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "consentgw", Host: opts.PublicHost, Port: port}}
	s.dialogs = sipgo.DialogUA{Client: cli, ContactHDR: s.contact}
	s.dialogsTLS = s.dialogs
	if l, ok := firstListener(opts.Listeners, "tls"); ok {
		if _, p, err := net.SplitHostPort(l.Addr); err == nil {
			tlsPort, _ := strconv.Atoi(p)
			u := sip.Uri{Scheme: "sip", User: "consentgw", Host: opts.PublicHost, Port: tlsPort, UriParams: sip.NewParams()}
			u.UriParams.Add("transport", "tls")
			s.dialogsTLS = sipgo.DialogUA{Client: cli, ContactHDR: sip.ContactHeader{Address: u}}
		}
	}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())

	srv.OnInvite(s.onInvite)
	srv.OnAck(s.inDialog)
	srv.OnBye(s.inDialog)
	srv.OnInfo(s.inDialog)
	srv.OnCancel(s.onStrayCancel)
	srv.OnOptions(s.onOptions)
	for _, m := range []sip.RequestMethod{sip.UPDATE, sip.REFER, sip.MESSAGE, sip.NOTIFY, sip.PRACK, sip.SUBSCRIBE} {
		srv.OnRequest(m, s.inDialog)
	}
	srv.OnNoRoute(s.onUnknownMethod)
	return s, nil
}

// Start binds every listener and serves them until Shutdown.
func (s *Server) Start() error {
	var serving []func()
	for _, l := range s.opts.Listeners {
		switch l.Network {
		case "udp":
			conn, err := net.ListenPacket("udp", l.Addr)
			if err != nil {
				s.closeListeners()
				return fmt.Errorf("b2bua: listen udp %s: %w", l.Addr, err)
			}
			s.bound = append(s.bound, conn.LocalAddr())
			s.closers = append(s.closers, conn.Close)
			if s.dialogsUDP.Client == nil {
				if err := s.useUDPListener(conn.LocalAddr()); err != nil {
					s.closeListeners()
					return err
				}
			}
			serving = append(serving, func() { s.serve("udp", func() error { return s.srv.ServeUDP(conn) }) })
		case "tcp":
			ln, err := net.Listen("tcp", l.Addr)
			if err != nil {
				s.closeListeners()
				return fmt.Errorf("b2bua: listen tcp %s: %w", l.Addr, err)
			}
			s.bound = append(s.bound, ln.Addr())
			s.closers = append(s.closers, ln.Close)
			guarded := s.guard(ln, true)
			serving = append(serving, func() { s.serve("tcp", func() error { return s.srv.ServeTCP(guarded) }) })
		case "ws", "wss":
			serve, err := s.listenWebSocket(l)
			if err != nil {
				s.closeListeners()
				return err
			}
			serving = append(serving, serve)
		case "tls":
			if s.opts.TLS == nil || len(s.opts.TLS.Certificates) == 0 {
				s.closeListeners()
				return fmt.Errorf("b2bua: listen tls %s: no certificate configured", l.Addr)
			}
			ln, err := tls.Listen("tcp", l.Addr, s.opts.TLS)
			if err != nil {
				s.closeListeners()
				return fmt.Errorf("b2bua: listen tls %s: %w", l.Addr, err)
			}
			s.bound = append(s.bound, ln.Addr())
			s.closers = append(s.closers, ln.Close)
			guarded := s.guard(ln, true)
			serving = append(serving, func() { s.serve("tls", func() error { return s.srv.ServeTLS(guarded) }) })
		default:
			s.closeListeners()
			return fmt.Errorf("b2bua: transport %q is not supported yet", l.Network)
		}
	}
	// Serving starts once every listener is bound: binding a ws listener fills
	// wsDialogs, which requests on the other listeners read.
	for _, serve := range serving {
		go serve()
	}
	return nil
}

// Addrs are the bound listener addresses, in configuration order.
func (s *Server) Addrs() []net.Addr { return s.bound }

// ActiveCalls is the number of calls in progress.
func (s *Server) ActiveCalls() int { return int(s.active.Load()) }

func (s *Server) serve(network string, run func() error) {
	if err := run(); err != nil && !s.closing.Load() {
		s.log.Error("SIP listener stopped", "transport", network, "error", err)
	}
}

// Shutdown refuses new calls, ends the ones in progress (their owners hang up both legs
// when their context ends) and waits for them, or for ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.admit.Lock()
	s.closing.Store(true)
	s.admit.Unlock()
	s.cancel()
	done := make(chan struct{})
	go func() { s.calls.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("b2bua: %d calls still ending: %w", s.ActiveCalls(), ctx.Err())
	}
	s.closeListeners()
	s.cli.Close()
	s.srv.Close()
	s.ua.Close()
	return err
}

func (s *Server) closeListeners() {
	for _, c := range s.closers {
		c()
	}
	s.closers = nil
}

// onInvite takes a new call: SDP check (488), media ports (503), 100 Trying, then the
// call handler owns it until it ends.
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	defer s.recoverRequest(req, tx)
	if s.refused(req, tx) {
		return
	}
	if to := req.To(); to != nil && to.Params.Has("tag") {
		s.inDialog(req, tx)
		return
	}
	if !s.gate(req, tx, true) || s.refusedUnavailable(req, tx) {
		return
	}
	s.trace(req)
	log := s.log.With("call_id_key", s.callKey(req))
	if ok, full := s.admitCall(); !ok {
		if full {
			s.opts.Admission.rejected(RejectMaxCalls)
			s.busy(req, tx)
		} else {
			s.reply(log, req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		}
		return
	}
	defer s.callDone()
	offer, err := sdpneg.Parse(req.Body())
	if err != nil {
		s.refuseInvite(log, req, tx, notAcceptable(fmt.Errorf("unusable SDP offer: %w", err)))
		return
	}
	if r := s.checkOffer(offer); r != nil {
		s.refuseInvite(log, req, tx, Status(r.code, r.reason, fmt.Errorf("the offer's audio at %s port %d cannot be taken", offer.Addr, offer.Port)), r.headers...)
		return
	}
	choice, err := sdpneg.Choose(offer)
	if err != nil {
		s.refuseInvite(log, req, tx, notAcceptable(fmt.Errorf("no codec in common: %w", err)))
		return
	}
	if offer.UsesDTLS() {
		s.onWebRTCInvite(log, req, tx, offer, choice)
		return
	}
	peerCrypto, err := sdpneg.ChooseCrypto(offer, s.opts.SRTP)
	if err != nil {
		s.refuseInvite(log, req, tx, notAcceptable(fmt.Errorf("media profile not acceptable: %w", err)))
		return
	}
	m, err := s.mediaFor(offer.Addr)
	if err != nil {
		s.refuseInvite(log, req, tx, notAcceptable(fmt.Errorf("no media address in the offer's family: %w", err)))
		return
	}
	ep, err := m.Ports.Open()
	if err != nil {
		s.refuseInvite(log, req, tx, Status(sip.StatusServiceUnavailable, "Service Unavailable", fmt.Errorf("no media port: %w", err)))
		return
	}
	defer ep.Close()
	localCrypto, err := protect(ep, peerCrypto)
	if err != nil {
		s.refuseInvite(log, req, tx, fmt.Errorf("SRTP setup failed: %w", err))
		return
	}

	in := &Inbound{
		leg:     newLeg(log, ep, m.IP, choice, randomSessionID()),
		Request: req,
		Offer:   offer,
		server:  s,
	}
	in.local.Crypto = localCrypto
	if err := in.setRemote(offer); err != nil {
		s.refuseInvite(log, req, tx, notAcceptable(fmt.Errorf("media address not usable: %w", err)))
		return
	}
	s.accept(log, req, tx, in, func() {
		if err := ep.Start(log); err != nil {
			log.Error("caller media not started", "error", err) // only while shutting down
		}
	})
}

// accept makes the INVITE's dialog, with the Contact of the transport it came on, and
// serves the call on in until it ends; start runs once the dialog exists.
func (s *Server) accept(log *slog.Logger, req *sip.Request, tx sip.ServerTransaction, in *Inbound, start func()) {
	dialogs, contact := s.dialogsFor(req)
	if r := s.checkAnswer(req, in, &contact); r != nil {
		s.refuseInvite(log, req, tx, Status(r.code, r.reason, errors.New("the answer would not fit the transport")), r.headers...)
		return
	}
	dlg, err := dialogs.ReadInvite(req, tx)
	if err != nil {
		s.refuseInvite(log, req, tx, Status(sip.StatusBadRequest, "Bad Request", fmt.Errorf("not a dialog-forming request: %w", err)))
		return
	}
	defer dlg.Close()
	in.dlg, in.contact = dlg, contact
	start()
	s.serveCall(log, req, tx, in)
}

// serveCall hands an accepted INVITE to the call handler until the call ends.
func (s *Server) serveCall(log *slog.Logger, req *sip.Request, tx sip.ServerTransaction, in *Inbound) {
	// The caller's next request is the INVITE's CSeq + 1 (RFC 3261 §12.2.1.1).
	in.order = cseqOrder{wait: s.opts.reorderWait, last: req.CSeq().SeqNo}
	s.legs.Store(in.dlg.ID, in)
	defer s.legs.Delete(in.dlg.ID)
	s.reply(log, req, tx, sip.StatusTrying, "Trying")
	s.active.Add(1)
	defer s.active.Add(-1)
	s.opts.Handler.ServeCall(s.baseCtx, in)
}

// dialogsForTransport picks the dialog UA whose Contact and client suit a peer on
// transport ("" is UDP, the default transport of a sip: URI, RFC 3261 §19.1.2).
func (s *Server) dialogsForTransport(transport string) *sipgo.DialogUA {
	switch {
	case strings.EqualFold(transport, "tls"):
		return &s.dialogsTLS
	case (transport == "" || strings.EqualFold(transport, "udp")) && s.dialogsUDP.Client != nil:
		return &s.dialogsUDP
	}
	return &s.dialogs
}

func firstListener(ls []Listener, network string) (Listener, bool) {
	for _, l := range ls {
		if l.Network == network {
			return l, true
		}
	}
	return Listener{}, false
}

// admitCall counts a new call in, unless the server is shutting down or full (calls
// counts every call from its INVITE on, so the cap holds before media is set up).
func (s *Server) admitCall() (ok, full bool) {
	s.admit.Lock()
	defer s.admit.Unlock()
	if s.closing.Load() {
		return false, false
	}
	if m := s.opts.Admission.MaxCalls; m > 0 && s.admitted >= m {
		return false, true
	}
	s.admitted++
	s.calls.Add(1)
	return true, false
}

// callDone counts a call out.
// admittedCalls is how many calls hold a place under sip.max_calls: a call keeps it
// until onInvite returns, a little after ActiveCalls stops counting it.
func (s *Server) admittedCalls() int {
	s.admit.Lock()
	defer s.admit.Unlock()
	return s.admitted
}

func (s *Server) callDone() {
	s.admit.Lock()
	s.admitted--
	s.admit.Unlock()
	s.calls.Done()
}

// inDialog routes a request to the leg whose dialog it belongs to. Requests of no known
// dialog get 481 (RFC 3261 §12.2.2), methods a leg does not handle 501.
func (s *Server) inDialog(req *sip.Request, tx sip.ServerTransaction) {
	defer s.recoverRequest(req, tx)
	if s.refused(req, tx) {
		return
	}
	s.trace(req)
	if id, err := sip.DialogIDFromRequestUAS(req); err == nil {
		if v, ok := s.legs.Load(id); ok {
			if in, ok := v.(*Inbound); ok {
				in.handle(req, tx)
				return
			}
		}
	}
	if id, err := sip.DialogIDFromRequestUAC(req); err == nil {
		if v, ok := s.legs.Load(id); ok {
			if out, ok := v.(*Outbound); ok {
				out.handle(req, tx, &out.contact)
				return
			}
		}
	}
	if req.IsAck() {
		return // an ACK gets no response
	}
	s.reply(s.log, req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
}

// onStrayCancel answers a CANCEL that matched no pending INVITE (the transaction layer
// already answered the ones that did, RFC 3261 §9.2).
func (s *Server) onStrayCancel(req *sip.Request, tx sip.ServerTransaction) {
	defer s.recoverRequest(req, tx)
	if s.refused(req, tx) {
		return
	}
	s.reply(s.log, req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
}

// onOptions answers keep-alive and capability probes from trunks (RFC 3261 §11).
func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	defer s.recoverRequest(req, tx)
	if s.refused(req, tx) {
		return
	}
	if !s.gate(req, tx, false) {
		return // a scanner's probe learns nothing but 403
	}
	if s.refusedUnavailable(req, tx) {
		return // a balancer's probe takes the node out
	}
	s.trace(req)
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp, application/dtmf-relay, application/dtmf"))
	respond(s.log, tx, res)
}

// allowed are the methods the gateway serves, for OPTIONS and 405 answers.
const allowed = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"

// onUnknownMethod refuses a method the gateway does not serve, statelessly and counted
// like the other edge refusals: 405 with the Allow header for a SIP method it knows but
// does not serve (REGISTER, PUBLISH; RFC 3261 §8.2.1), 501 for one it has never heard of
// (§21.5.2). sipgo's own answer was 405 for both, without Allow, and a WARN line for each:
// svcrack's REGISTER guesses wrote a line apiece.
func (s *Server) onUnknownMethod(req *sip.Request, tx sip.ServerTransaction) {
	defer s.recoverRequest(req, tx)
	if s.refused(req, tx) {
		return
	}
	code, reason := sip.StatusNotImplemented, "Not Implemented"
	if knownMethods[req.Method] {
		code, reason = sip.StatusMethodNotAllowed, "Method Not Allowed"
	}
	s.opts.Admission.rejected(RejectBadRequest)
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug("SIP request refused", "method", redact.Field(string(req.Method)), "source", req.Source(), "status", code)
	}
	s.reply(s.log, req, tx, code, reason, sip.NewHeader("Allow", allowed))
}

// knownMethods are the SIP methods of RFC 3261 and its extensions that reach
// onUnknownMethod: known, but not served by the gateway.
var knownMethods = map[sip.RequestMethod]bool{sip.REGISTER: true, sip.PUBLISH: true}

// reply answers req with a status and hdrs; a final error response is a refusal and is
// sent statelessly (see refuse).
func (s *Server) reply(log *slog.Logger, req *sip.Request, tx sip.ServerTransaction, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if code >= 300 {
		refuse(log, tx, res)
		return
	}
	respond(log, tx, res)
}

// refuse sends a response that ends a request which never became a call (untrusted,
// challenged, rate-limited, over capacity, malformed, unknown dialog) and drops its
// transaction at once, as a stateless proxy's sl_send_reply does. Kept, the transaction
// and its messages would live 32 s (Timer H or J, RFC 3261 §17.2), so a flood of refused
// requests grew the heap by hundreds of MB. A retransmission of the request is refused
// again on its own; the ACK to a refused INVITE matches nothing and is dropped.
func refuse(log *slog.Logger, tx sip.ServerTransaction, res *sip.Response) {
	respond(log, tx, res)
	tx.Terminate()
}

func randomSessionID() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) >> 2 // keep it positive in any SDP parser
}
