package b2bua

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/emiago/sipgo/sip"
)

// refuseInvite answers an INVITE that does not become a call with err's SIP status
// (StatusOf; a StatusError knows its own) and hdrs. It is the one path of every refusal
// after admission, here and from the call handler (Inbound.Refuse): the response, one log
// line with why, and the count by status (Options.Refused). Before the dialog exists the
// response is sent statelessly (see refuse).
func (s *Server) refuseInvite(log *slog.Logger, req *sip.Request, tx sip.ServerTransaction, err error, hdrs ...sip.Header) {
	code, reason := s.countRefusal(log, err)
	s.reply(log, req, tx, code, reason, hdrs...)
}

// countRefusal logs and counts a refusal, and returns its status.
func (s *Server) countRefusal(log *slog.Logger, err error) (int, string) {
	code, reason := StatusOf(err)
	level := slog.LevelInfo // a peer's offer the gateway does not take
	if code >= 500 {
		level = slog.LevelError // the gateway could not take a call it should have
	}
	log.Log(context.Background(), level, "INVITE refused", "status", code, "error", fmt.Sprint(err))
	if s.opts.Refused != nil {
		s.opts.Refused(code)
	}
	return code, reason
}

// Refuse answers the caller's INVITE, not answered yet, with err's SIP status (StatusOf:
// 500 for an error without one), through the server's refusal path: the response, one
// log line, the count by status.
func (in *Inbound) Refuse(err error) {
	code, reason := in.server.countRefusal(in.log, err)
	if rerr := in.dlg.Respond(code, reason, nil); rerr != nil {
		in.log.Info("refusal not sent", "status", code, "error", rerr)
	}
}
