package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// Handler passes the strings of every log record (its message and attribute values)
// through a filter: Field for a library's logger, which may put whole SIP messages in its
// lines (sipgo logs a message it cannot parse, and a stray response's reason phrase);
// see NewEdgeHandler for the gateway's own loggers at the SIP edge.
type Handler struct {
	next slog.Handler
	// text filters plain string attributes; messages, errors and other values always
	// go through Field.
	text func(string) string
}

// Own marks a string of the gateway's own making (a keyed hash, an id) that a Handler
// only cleans (Clean), never redacts: logged as slog.Any(key, Own(s)), it keeps its
// digits in a library's log line too.
type Own string

// NewHandler wraps next so that every string it logs is redacted (Field).
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next, text: Field} }

// NewEdgeHandler wraps a logger that logs what outside parties send among values of the
// gateway's own: messages, errors, Stringers and other values are redacted (Field);
// plain strings, which are the gateway's ids, keys and names (a Call-ID's keyed hash, a
// receipt id), keep their digits and are only cleaned (Clean). Outside text logged as
// a plain string must be passed through Field by the caller.
func NewEdgeHandler(next slog.Handler) *Handler { return &Handler{next: next, text: Clean} }

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Field(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &Handler{next: h.next.WithAttrs(clean), text: h.text}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), text: h.text}
}

func (h *Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.text(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case Own:
			return slog.String(a.Key, Clean(string(x)))
		case error:
			return slog.String(a.Key, Field(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, Field(x.String()))
		default:
			return slog.String(a.Key, Field(fmt.Sprint(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
