package b2bua

import (
	"context"
	"log/slog"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/redact"
)

// trace logs a received request at debug level, redacted: user parts and display names
// of From, To, P-Asserted-Identity and Contact, the Call-ID (and any number elsewhere)
// are personal data and never reach a log line; the call is named by its keyed Call-ID. Requests refused at the edge are only counted, so a
// flood cannot turn debug logging against the gateway.
func (s *Server) trace(req *sip.Request) {
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug("SIP request received", "source", req.Source(), "transport", req.Transport(),
			"call_id_key", s.callKey(req), "message", redact.Message(req.String()))
	}
}
