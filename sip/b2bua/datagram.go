package b2bua

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// udpBudget is the largest message sipgo sends over UDP: RFC 3261 §18.1.1 keeps 200 bytes
// under the path MTU, and sipgo refuses to write anything larger (ErrUDPMTUCongestion).
// A response over it is never sent, so a caller would see nothing, or 100 Trying alone.
func udpBudget() int { return sip.UDPMTUSize - 200 }

// responseSlack is what a response adds to the header fields it copies from the request:
// the status line, a To tag, Content-Length, and Allow and Accept for OPTIONS.
const responseSlack = 256

// overUDP tells whether the responses to req go back in datagrams.
func overUDP(req *sip.Request) bool { return strings.EqualFold(req.Transport(), "udp") }

// copiedSize is how many bytes of req every response carries again (RFC 3261 §8.2.6.2:
// Via, From, To, Call-ID, CSeq; §12.1.1: Record-Route).
func copiedSize(req *sip.Request) int {
	n := 0
	for _, h := range req.Headers() {
		switch strings.ToLower(h.Name()) {
		case "via", "from", "to", "call-id", "cseq", "record-route":
			n += len(h.Name()) + len(h.Value()) + 4
		}
	}
	return n
}

// unanswerable tells whether no response to req could be sent over UDP at all: its copied
// header fields alone (RFC 4475 longreq's 34 Vias) fill a datagram. Such a request is
// dropped and counted before it becomes a call that could never be answered.
func unanswerable(req *sip.Request) bool {
	return overUDP(req) && copiedSize(req)+responseSlack > udpBudget()
}

// answerTooLarge checks, before 100 Trying, that the 200 OK with the answer SDP and the
// Contact fits a datagram; an offer with many m-lines (each answered in place, RFC 3264
// §6) or long Record-Routes can push it over. Then the INVITE gets 513 instead of a
// 100 Trying and a 200 that is never sent.
func answerTooLarge(req *sip.Request, body []byte, contact *sip.ContactHeader) *refusal {
	if !overUDP(req) {
		return nil
	}
	res := sip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(contact)
	if len(res.String()) > udpBudget() {
		return newRefusal(sip.StatusMessageTooLarge, "Answer Too Large For UDP")
	}
	return nil
}
