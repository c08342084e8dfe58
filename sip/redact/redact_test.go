package redact

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

const invite = "INVITE sip:+4587654321@gw.example.com SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1\r\n" +
	"From: \"Jens Hansen\" <sip:+4512345678@trunk.example.com>;tag=1\r\n" +
	"To: 87654321 <sip:87654321@gw.example.com>\r\n" +
	"f: <tel:+45-1234-5678;phone-context=+45>\r\n" +
	"P-Asserted-Identity: \"Jens\" <sip:4512345678@trunk.example.com;user=phone>\r\n" +
	"Contact: <sip:alice:secret@127.0.0.1:5061>\r\n" +
	"X-Customer-ID: 99887766\r\n" +
	"Call-ID: 1-4242@127.0.0.1\r\n" +
	"CSeq: 1 INVITE\r\n" +
	"Content-Length: 0\r\n\r\n"

func TestMessageRemovesNumbersNamesAndUsers(t *testing.T) {
	got := Message(invite)
	for _, leak := range []string{"4512345678", "87654321", "1234-5678", "Jens", "Hansen", "alice", "secret", "99887766"} {
		if strings.Contains(got, leak) {
			t.Errorf("redacted message still holds %q:\n%s", leak, got)
		}
	}
	for _, kept := range []string{"INVITE sip:***@gw.example.com SIP/2.0", "branch=z9hG4bK-1", "Call-ID: 1-4242@127.0.0.1", "CSeq: 1 INVITE", "trunk.example.com"} {
		if !strings.Contains(got, kept) {
			t.Errorf("redacted message lost %q:\n%s", kept, got)
		}
	}
}

func TestHandlerRedactsMessageAndAttrs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewTextHandler(&buf, nil))).With("peer", "sip:+4512345678@x")
	log.Error("failed to parse sip:+4587654321@y", "data", invite, slog.Group("g", "n", "tel:+4512345678"))
	if out := buf.String(); strings.Contains(out, "4512345678") || strings.Contains(out, "87654321") {
		t.Fatalf("log line holds a number: %s", out)
	}
}

func FuzzMessage(f *testing.F) {
	f.Add(invite)
	f.Add("From: \"a\\\"b\" <sip:1@h>")
	f.Fuzz(func(t *testing.T, s string) {
		out := Message(s)
		if Message(out) != out {
			t.Fatalf("redaction is not stable: %q -> %q", out, Message(out))
		}
	})
}
