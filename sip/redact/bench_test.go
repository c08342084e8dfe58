package redact

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (h discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h discardHandler) WithGroup(string) slog.Handler           { return h }

// BenchmarkEdgeHandler is one ordinary line of a call: what the edge handler adds to
// every log line of the SIP edge.
func BenchmarkEdgeHandler(b *testing.B) {
	log := slog.New(NewEdgeHandler(discardHandler{})).With("call_id_key", "3e5cb8b75b33d05780bfa08240aabc51b6905a226b4093b4001257c1186eb903", "consent_id", "01M91W8BW740XD1QS2CYEVVB85")
	for b.Loop() {
		log.Info("call ended", "route", "default", "mode", "opt-in", "relayed_packets", 49, "took", time.Second)
	}
}

// BenchmarkTraceDump is a debug dump of an INVITE, redaction included.
func BenchmarkTraceDump(b *testing.B) {
	log := slog.New(NewEdgeHandler(discardHandler{}))
	for b.Loop() {
		log.Debug("SIP request received", "source", "127.0.0.2:42104", "message", Message(invite))
	}
}
