package b2bua

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/b2bua/torturetest"
)

// tortureMessages are the RFC 4475 messages of testdata/torture (as sipgo ships them), by
// "valid/name" or "invalid/name".
func tortureMessages(t testing.TB) map[string][]byte {
	t.Helper()
	return torturetest.Messages(t, filepath.Join("testdata", "torture"))
}

// What checkRequest answers to each torture request sipgo parses: 0 = go on to the
// handler. Requests sipgo cannot parse never reach it.
var tortureVerdicts = map[string]int{
	"invalid/badbranch":  0,   // a branch of just the cookie: matched the RFC 2543 way
	"invalid/baddate":    0,   // a non-GMT Date is no reason to refuse a call
	"invalid/badvers":    505, // SIP/7.0
	"invalid/bext01":     420, // Require: unknown options
	"invalid/cparam01":   0,   // REGISTER: sipgo's 405
	"invalid/cparam02":   0,
	"invalid/escruri":    400, // headers in the Request-URI
	"invalid/insuf":      400, // no Call-ID, From, To, Max-Forwards
	"invalid/inv2543":    400, // RFC 2543 INVITE without Contact
	"invalid/invut":      415, // body application/unknownformat
	"invalid/mcl01":      400, // two Content-Length values
	"invalid/mismatch01": 400, // OPTIONS with CSeq INVITE
	"invalid/mismatch02": 400, // NEWMETHOD with CSeq INVITE
	"invalid/multi01":    400, // two Call-IDs, CSeqs, Froms, Tos
	"invalid/regaut01":   0,
	"invalid/regbadct":   0,
	"invalid/regescrt":   0,
	"invalid/sdp01":      406, // Accept: text/nobodyKnowsThis on an INVITE
	"invalid/unkscm":     416, // unknown Request-URI scheme
	"invalid/unksm2":     0,   // unknown schemes in To and Contact of a REGISTER: sipgo's 405
	"invalid/zeromf":     0,   // OPTIONS answered here: RFC 4475 asks an endpoint to process it
	"valid/dblreq":       0,
	"valid/esc01":        0,
	"valid/esc02":        0,
	"valid/escnull":      0,
	"valid/intmeth":      0,
	"valid/longreq":      0,
	"valid/lwsdisp":      0,
	"valid/mpart01":      0,
	"valid/semiuri":      0,
	"valid/transports":   0,
	"valid/wsinv":        0,
}

func TestTortureRequestsGetTheRFCsVerdict(t *testing.T) {
	parser := sip.NewParser()
	for name, data := range tortureMessages(t) {
		msg, err := parser.ParseSIP(data)
		req, isReq := msg.(*sip.Request)
		if err != nil || !isReq {
			if _, listed := tortureVerdicts[name]; listed {
				t.Errorf("%s: not parsed as a request (%v), but a verdict is listed", name, err)
			}
			continue
		}
		want, listed := tortureVerdicts[name]
		if !listed {
			t.Errorf("%s: parsed as %s, no verdict listed", name, req.Method)
			continue
		}
		got := 0
		if r := checkRequest(req); r != nil {
			got = r.code
		}
		if got != want {
			t.Errorf("%s: checkRequest gives %d, want %d", name, got, want)
		}
	}
}

func TestBadExtensionNamesTheUnsupportedOptions(t *testing.T) {
	req := parseRequest(t, tortureMessages(t)["invalid/bext01"])
	r := checkRequest(req)
	if r == nil || r.code != sip.StatusBadExtension {
		t.Fatalf("got %v, want 420", r)
	}
	if len(r.headers) != 1 || r.headers[0].Name() != "Unsupported" || r.headers[0].Value() != "nothingSupportsThis, nothingSupportsThisEither" {
		t.Errorf("420 headers %v, want Unsupported with both Require tags (not Proxy-Require's)", r.headers)
	}
}

func TestRequestChecks(t *testing.T) {
	const base = "INVITE sip:100@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n" +
		"From: <sip:caller@127.0.0.1>;tag=1\r\n" +
		"To: <sip:100@127.0.0.1>\r\n" +
		"Call-ID: checks-1\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"Max-Forwards: 70\r\n" +
		"Contact: <sip:caller@127.0.0.1:5070>\r\n"
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n"
	withBody := func(hdrs, body string) string {
		return hdrs + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	tests := []struct {
		name   string
		msg    string
		code   int
		reason string
	}{
		{"a plain call", withBody(base+"Content-Type: application/sdp\r\n", sdp), 0, ""},
		{"SDP with parameters", withBody(base+"Content-Type: Application/SDP; charset=utf-8\r\n", sdp), 0, ""},
		{"no Call-ID", withBody(strings.Replace(base, "Call-ID: checks-1\r\n", "", 1)+"Content-Type: application/sdp\r\n", sdp), 400, "Missing Call-ID"},
		{"no CSeq", withBody(strings.Replace(base, "CSeq: 1 INVITE\r\n", "", 1), ""), 400, "Missing CSeq"},
		{"no From", withBody(strings.Replace(base, "From: <sip:caller@127.0.0.1>;tag=1\r\n", "", 1), ""), 400, "Missing From"},
		{"no To", withBody(strings.Replace(base, "To: <sip:100@127.0.0.1>\r\n", "", 1), ""), 400, "Missing To"},
		{"no Contact", withBody(strings.Replace(base, "Contact: <sip:caller@127.0.0.1:5070>\r\n", "", 1), ""), 400, "Missing Contact"},
		{"two Max-Forwards", withBody(base+"Max-Forwards: 69\r\n", ""), 400, "Multiple Max-Forwards values"},
		{"no Max-Forwards (RFC 2543)", withBody(strings.Replace(base, "Max-Forwards: 70\r\n", "", 1), ""), 0, ""},
		{"INVITE with no hops left", withBody(strings.Replace(base, "Max-Forwards: 70", "Max-Forwards: 0", 1), ""), 483, "Too Many Hops"},
		{"body without Content-Type", withBody(base, sdp), 400, "Missing Content-Type"},
		{"body not SDP", withBody(base+"Content-Type: multipart/mixed;boundary=x\r\n", sdp), 415, "Unsupported Media Type"},
		{"gzipped SDP", withBody(base+"Content-Type: application/sdp\r\nContent-Encoding: gzip\r\n", sdp), 415, "Unsupported Content-Encoding"},
		{"identity encoding", withBody(base+"Content-Type: application/sdp\r\nContent-Encoding: identity\r\n", sdp), 0, ""},
		{"requires 100rel", withBody(base+"Require: 100rel\r\n", ""), 420, "Bad Extension"},
		{"accepts anything", withBody(base+"Accept: */*\r\n", ""), 0, ""},
		{"tel: Request-URI", withBody(strings.Replace(base, "INVITE sip:100@127.0.0.1", "INVITE tel:+4512345678", 1), ""), 416, "Unsupported URI Scheme"},
		{"ACK with Require", withBody(strings.NewReplacer("INVITE sip", "ACK sip", "1 INVITE", "1 ACK").Replace(base)+"Require: foo\r\n", ""), 0, ""},
		{"OPTIONS with no hops left", withBody(strings.NewReplacer("INVITE sip", "OPTIONS sip", "1 INVITE", "1 OPTIONS", "Max-Forwards: 70", "Max-Forwards: 0").Replace(base), ""), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := checkRequest(parseRequest(t, []byte(tt.msg)))
			code, reason := 0, ""
			if r != nil {
				code, reason = r.code, r.reason
			}
			if code != tt.code || reason != tt.reason {
				t.Errorf("got %d %q, want %d %q", code, reason, tt.code, tt.reason)
			}
		})
	}
}

func parseRequest(t *testing.T, data []byte) *sip.Request {
	t.Helper()
	msg, err := sip.NewParser().ParseSIP(data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	req, ok := msg.(*sip.Request)
	if !ok {
		t.Fatal("not a request")
	}
	return req
}
