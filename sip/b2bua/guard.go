package b2bua

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/redact"
)

// Reasons counted by Admission.Rejected besides the admission refusals.
const (
	RejectBadRequest = "bad_request" // a request RFC 3261 §8.2 refuses: 400, 405, 415, 416, 420, 483, 505 ...
	RejectPanic      = "panic"       // a handler panicked on a request: 500, the process goes on
)

// Every request handler starts with these two lines:
//
//	defer s.recoverRequest(req, tx)
//	if s.refused(req, tx) { return }
//
// sipgo runs each request on a goroutine of its own, so a panic there would end the
// process: one malformed datagram must cost its sender a response and nothing else.

// refused answers a request checkRequest refuses (an ACK gets no response), drops one no
// response could be sent to, and tells the handler to stop.
func (s *Server) refused(req *sip.Request, tx sip.ServerTransaction) bool {
	if unanswerable(req) {
		s.opts.Admission.rejected(RejectOversized)
		if s.log.Enabled(context.Background(), slog.LevelDebug) {
			s.log.Debug("SIP request dropped: no response to it fits a datagram", "method", string(req.Method), "source", req.Source())
		}
		return true
	}
	r := checkRequest(req)
	if r == nil {
		return false
	}
	s.opts.Admission.rejected(RejectBadRequest)
	// Counted, and logged only at debug level like the other edge refusals, so a flood of
	// junk cannot turn the log against the gateway.
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug("SIP request refused", "method", string(req.Method), "source", req.Source(), "status", r.code, "reason", r.reason)
	}
	if !req.IsAck() {
		s.reply(s.log, req, tx, r.code, r.reason, r.headers...)
	}
	return true
}

// recoverRequest ends a panicking request alone: it is logged with its stack, counted,
// and answered 500 when a response can still be sent.
func (s *Server) recoverRequest(req *sip.Request, tx sip.ServerTransaction) {
	v := recover()
	if v == nil {
		return
	}
	s.opts.Admission.rejected(RejectPanic)
	// The stack is the gateway's own text and keeps its lines: logged past the edge
	// handler, with the panic's value (which may quote the request) redacted.
	s.opts.Logger.Error("SIP request handler panicked", "method", redact.Field(string(req.Method)), "source", req.Source(),
		"call_id_key", s.callKey(req), "panic", redact.Field(fmt.Sprint(v)), "stack", string(debug.Stack()))
	if req.IsAck() {
		return
	}
	defer func() {
		if recover() != nil {
			s.log.Error("500 after a panic not sent: the request cannot be answered")
		}
	}()
	respond(s.log, tx, sip.NewResponseFromRequest(req, sip.StatusInternalServerError, "Server Internal Error", nil))
}
