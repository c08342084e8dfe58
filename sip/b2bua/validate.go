package b2bua

import (
	"fmt"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// refusal is the response a request gets instead of being acted on: its status, a reason
// phrase that names the problem (RFC 3261 §21.4.1: "the reason phrase may be changed to
// give more detail") and the header fields that status asks for.
type refusal struct {
	code    int
	reason  string
	headers []sip.Header
}

func (r *refusal) String() string { return fmt.Sprintf("%d %s", r.code, r.reason) }

// statusUnsupportedURIScheme is 416 (RFC 3261 §21.4.15); sipgo names the code after HTTP.
const statusUnsupportedURIScheme = 416

func newRefusal(code int, reason string, hdrs ...sip.Header) *refusal {
	return &refusal{code: code, reason: reason, headers: hdrs}
}

// singleHeaders are the header fields a request must carry exactly once (RFC 3261 §8.1.1:
// To, From, CSeq, Call-ID; §7.3.1: a field that is no comma-separated list may not
// appear twice, RFC 4475 multi01). Via is a list and must be there at least once;
// Max-Forwards, absent from RFC 2543 requests, may be missing but not repeated.
var singleHeaders = []struct {
	name     string
	required bool
}{
	{"Call-ID", true}, {"CSeq", true}, {"From", true}, {"To", true},
	{"Max-Forwards", false}, {"Content-Type", false}, {"Content-Length", false},
}

// checkRequest is what RFC 3261 §8.2 asks of a UAS before it acts on a request, and what
// the handlers read without checking again: every header they dereference is there once.
// It runs before admission, so a malformed request costs a response and nothing else.
func checkRequest(req *sip.Request) *refusal {
	if req.SipVersion != "SIP/2.0" {
		return newRefusal(sip.StatusVersionNotSupported, "Version Not Supported") // §8.2 / §21.5.7
	}
	if len(req.GetHeaders("Via")) == 0 {
		return newRefusal(sip.StatusBadRequest, "Missing Via")
	}
	for _, h := range singleHeaders {
		switch n := len(req.GetHeaders(h.name)); {
		case n == 0 && h.required:
			return newRefusal(sip.StatusBadRequest, "Missing "+h.name)
		case n > 1:
			return newRefusal(sip.StatusBadRequest, "Multiple "+h.name+" values")
		}
	}
	if !strings.EqualFold(string(req.CSeq().MethodName), string(req.Method)) {
		// §8.1.1.5: the CSeq method matches the request's (RFC 4475 mismatch01); sipgo
		// upper-cases the start line's method, so case is not compared.
		return newRefusal(sip.StatusBadRequest, "CSeq method does not match the request")
	}
	if r := checkRequestURI(req); r != nil {
		return r
	}
	if req.IsInvite() {
		if r := checkInvite(req); r != nil {
			return r
		}
	}
	if req.IsAck() || req.IsCancel() {
		return nil // §8.2.2.3: Require is not checked on ACK and CANCEL; their bodies are not read
	}
	if tags := unsupportedOptions(req); len(tags) > 0 {
		// §8.2.2.3: 420 lists the option tags the UAS does not understand. Proxy-Require is
		// for proxies and ignored here (RFC 4475 bext01).
		return newRefusal(sip.StatusBadExtension, "Bad Extension", sip.NewHeader("Unsupported", strings.Join(tags, ", ")))
	}
	return checkBody(req)
}

// checkRequestURI: the gateway serves sip: and sips: URIs only (§8.2.2.1, 416; RFC 4475
// unkscm, novelsc), and a Request-URI never carries headers (§19.1.5, RFC 4475 escruri).
func checkRequestURI(req *sip.Request) *refusal {
	switch strings.ToLower(req.Recipient.Scheme) {
	case "sip", "sips":
	default:
		return newRefusal(statusUnsupportedURIScheme, "Unsupported URI Scheme")
	}
	if req.Recipient.Headers != nil && req.Recipient.Headers.Length() > 0 {
		return newRefusal(sip.StatusBadRequest, "Headers in Request-URI")
	}
	return nil
}

// checkInvite holds what only an INVITE must have: a Contact to send in-dialog requests
// to (§8.1.1.8), hops left for the agent leg the gateway places (RFC 3261 §16.3 step 3,
// RFC 7332 §3: a B2BUA forwards the call, so Max-Forwards 0 ends here; a request the
// gateway answers itself, like OPTIONS, is processed as RFC 4475 zeromf asks of an
// endpoint), and an acceptable answer: the gateway only ever answers with SDP (§8.2.3;
// RFC 4475 sdp01).
func checkInvite(req *sip.Request) *refusal {
	if req.Contact() == nil {
		return newRefusal(sip.StatusBadRequest, "Missing Contact")
	}
	if mf := req.MaxForwards(); mf != nil && *mf == 0 {
		return newRefusal(sip.StatusTooManyHops, "Too Many Hops")
	}
	if !acceptsSDP(req) {
		return newRefusal(sip.StatusNotAcceptable, "Not Acceptable", sip.NewHeader("Accept", "application/sdp"))
	}
	return nil
}

// checkBody: a body the gateway would read must be in a form it reads (§8.2.3): no
// Content-Encoding but identity (415 with Accept-Encoding), a Content-Type on any body
// (§20.15), and SDP in an INVITE (415 with Accept; RFC 4475 invut).
func checkBody(req *sip.Request) *refusal {
	if len(req.Body()) == 0 {
		return nil
	}
	for _, name := range []string{"Content-Encoding", "e"} {
		for _, h := range req.GetHeaders(name) {
			for _, enc := range strings.Split(h.Value(), ",") {
				if e := strings.TrimSpace(enc); e != "" && !strings.EqualFold(e, "identity") {
					return newRefusal(sip.StatusUnsupportedMediaType, "Unsupported Content-Encoding", sip.NewHeader("Accept-Encoding", "identity"))
				}
			}
		}
	}
	ct := req.ContentType()
	if ct == nil {
		return newRefusal(sip.StatusBadRequest, "Missing Content-Type")
	}
	if req.IsInvite() && mediaType(ct.Value()) != "application/sdp" {
		return newRefusal(sip.StatusUnsupportedMediaType, "Unsupported Media Type", sip.NewHeader("Accept", "application/sdp"))
	}
	return nil
}

// unsupportedOptions lists the Require option tags of req: the gateway implements no SIP
// extension a caller could require (no 100rel, no session timers).
func unsupportedOptions(req *sip.Request) []string {
	var tags []string
	for _, h := range req.GetHeaders("Require") {
		for _, tag := range strings.Split(h.Value(), ",") {
			if tag = strings.TrimSpace(tag); tag != "" {
				tags = append(tags, tag)
			}
		}
	}
	return tags
}

// acceptsSDP tells whether the request's Accept allows an SDP answer; no Accept, or an
// empty one from an agent that means "anything", does.
func acceptsSDP(req *sip.Request) bool {
	hdrs := req.GetHeaders("Accept")
	if len(hdrs) == 0 {
		return true
	}
	empty := true
	for _, h := range hdrs {
		for _, v := range strings.Split(h.Value(), ",") {
			switch mediaType(v) {
			case "":
			case "application/sdp", "application/*", "*/*":
				return true
			default:
				empty = false
			}
		}
	}
	return empty
}

// mediaType is the lower-case type/subtype of a Content-Type or Accept value, without
// its parameters.
func mediaType(v string) string {
	t, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(t))
}
