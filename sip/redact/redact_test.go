package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
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
	for _, leak := range []string{"4512345678", "87654321", "1234-5678", "Jens", "Hansen", "alice", "secret", "99887766", "4242"} {
		if strings.Contains(got, leak) {
			t.Errorf("redacted message still holds %q:\n%s", leak, got)
		}
	}
	for _, kept := range []string{"INVITE sip:***@gw.example.com SIP/2.0", "branch=z9hG4bK-1", "Call-ID: ***\r\n", "CSeq: 1 INVITE", "trunk.example.com"} {
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

func TestCallIDValuesGoWhole(t *testing.T) {
	for _, h := range []string{"Call-ID: jens.hansen-77@trunk\r\n", "i: a1b2c3@h\r\n", "call-id:\t+45 12 34 56 78-x\r\n"} {
		got := Message("BYE sip:gw SIP/2.0\r\n" + h + "CSeq: 2 BYE\r\n")
		if !strings.Contains(got, ": ***\r\nCSeq: 2 BYE") && !strings.Contains(got, ":\t***\r\nCSeq: 2 BYE") {
			t.Errorf("%q redacted to %q", h, got)
		}
	}
}

func TestFieldFitsOutsideTextOnOneBoundedLine(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"reason phrase with a number": {"Busy +4512345678 calls", "Busy *** calls"},
		"number split by a newline":   {"Call back 451\n2345 now", "Call back *** now"},
		"forged log line":             {"OK\r\nlevel=ERROR msg=\"gateway hacked\"", "OK  level=ERROR msg=\"gateway hacked\""},
		"terminal escape":             {"\x1b[31mred\x1b[0m", " [31mred [0m"},
		"bidi override":               {"abc\u202edcba", "abc dcba"},
		"invalid UTF-8":               {"a\xffb", "a\uFFFDb"},
	}
	for name, tc := range cases {
		if got := Field(tc.in); got != tc.want {
			t.Errorf("%s: Field(%q) = %q, want %q", name, tc.in, got, tc.want)
		}
	}
	long := Field(strings.Repeat("é", MaxField))
	if !strings.HasSuffix(long, "…[4096 bytes cut]") || len(long) > MaxField+len("…[4096 bytes cut]") {
		t.Errorf("a %d-byte field became %d bytes ending %q", 2*MaxField, len(long), long[len(long)-30:])
	}
}

func TestEdgeHandlerKeepsOwnDigitsAndRedactsWhatOthersSent(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewEdgeHandler(slog.NewTextHandler(&buf, nil)))
	const key = "3f1c0099123456789012ab"
	log.Warn("agent refused the call\nlevel=INFO", "call_id_key", key,
		"error", errors.New("486 Busy +4512345678"), "peer", netip.MustParseAddr("192.0.2.1"))
	out := buf.String()
	for _, want := range []string{key, "486 Busy ***", "192.0.2.1", `msg="agent refused the call level=INFO"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log line lacks %q: %s", want, out)
		}
	}
	if strings.Contains(out, "4512345678") || strings.Count(out, "\n") != 1 {
		t.Errorf("log line holds the number or a line break: %q", out)
	}
}

func FuzzField(f *testing.F) {
	f.Add(invite)
	f.Add("Busy 45 1234\r\n5678\x1b[0m")
	f.Fuzz(func(t *testing.T, s string) {
		out := Field(s)
		if i := strings.Index(out, "…["); i >= 0 {
			out = out[:i]
		}
		if strings.IndexFunc(out, unsafeRune) >= 0 || len(out) > MaxField {
			t.Fatalf("Field(%q) = %q: a control character, or longer than %d bytes", s, out, MaxField)
		}
		if digitRun.MatchString(out) {
			t.Fatalf("Field(%q) = %q keeps a run of digits", s, out)
		}
	})
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
