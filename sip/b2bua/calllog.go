package b2bua

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/redact"
)

// CallIDKey names a call in logs and events by a keyed hash of its Call-ID: trunks build
// Call-IDs from the caller's number (RFC 3261 §8.1.1.4 asks only for uniqueness), so the
// raw value is personal data.
type CallIDKey func(callID string) string

// randomCallIDKey keys Call-IDs with a key of its own when none is configured, so no
// raw Call-ID is ever logged; the keys then match nothing outside this process.
func randomCallIDKey() CallIDKey {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return func(callID string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("call-id:" + callID))
		return hex.EncodeToString(m.Sum(nil))
	}
}

// callKey is the keyed hash of msg's Call-ID; "" when it has none.
func (s *Server) callKey(msg sip.Message) string {
	if id := msg.CallID(); id != nil {
		return s.opts.CallIDKey(id.Value())
	}
	return ""
}

// sipgoLog is the handler of sipgo's logger, around a redact.Handler. It replaces the
// Call-IDs sipgo itself logs by their keys before the redaction sees them: its "callid"
// attribute, and the Call-ID inside an RFC 2543 transaction key
// ("fromtag__callid__method__cseq__via", RFC 3261 §17.2.3, the key of a request without
// a z9hG4bK branch).
type sipgoLog struct {
	slog.Handler
	key CallIDKey
}

// rfc3261Branch starts the branch of every RFC 3261 transaction key (§8.1.1.7).
const rfc3261Branch = "z9hG4bK"

func (h sipgoLog) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h sipgoLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	keyed := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		keyed[i] = h.attr(a)
	}
	return sipgoLog{h.Handler.WithAttrs(keyed), h.key}
}

func (h sipgoLog) WithGroup(name string) slog.Handler {
	return sipgoLog{h.Handler.WithGroup(name), h.key}
}

func (h sipgoLog) attr(a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindString {
		return a
	}
	v := a.Value.String()
	switch a.Key {
	case "callid":
		return slog.Any("call_id_key", redact.Own(h.key(v)))
	case "tx", "key":
		if parts := strings.SplitN(v, sip.TxSeperator, 3); len(parts) == 3 && !strings.HasPrefix(v, rfc3261Branch) {
			return slog.Any(a.Key, redact.Own(redact.Field(parts[0])+sip.TxSeperator+"call_id_key:"+h.key(parts[1])+
				sip.TxSeperator+redact.Field(parts[2])))
		}
	}
	return a
}

// onStrayResponse logs, at debug level, a response that matches no transaction of the
// gateway (a retransmission, or anyone's datagram): its reason phrase and Call-ID are
// whatever the sender wrote, so they are logged redacted and keyed. sipgo's default
// would log the reason phrase verbatim to the process's default logger.
func (s *Server) onStrayResponse(res *sip.Response) {
	if !s.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	s.log.Debug("stray SIP response dropped: it matches no transaction", "source", res.Source(), "transport", res.Transport(),
		"status", res.StatusCode, "reason", redact.Field(res.Reason), "call_id_key", s.callKey(res))
}
