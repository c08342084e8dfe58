package b2bua

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/consentgw/consentgw/sip/b2bua/torturetest"
)

// tortureResponses is what the gateway answers each RFC 4475 message with, over UDP
// and TCP; 0 = no response (sipgo cannot parse it, it is a response, or UDP's screen
// drops it), 100 = a call the test's handler took and left unanswered, Refused = none or
// a refusal.
var tortureResponses = map[string]struct{ udp, tcp int }{
	"invalid/badaspec":   {0, 0},     // space inside <>: unparseable
	"invalid/badbranch":  {200, 200}, // a bare cookie branch: still an OPTIONS to answer
	"invalid/baddate":    {100, 100}, // a non-GMT Date is no reason to refuse a call
	"invalid/baddn":      {0, 0},
	"invalid/badinv01":   {0, 0},
	"invalid/badvers":    {0, 505}, // SIP/7.0: the UDP screen drops it, TCP gets 505
	"invalid/bcast":      {0, 0},   // a response
	"invalid/bext01":     {420, 420},
	"invalid/bigcode":    {0, 0},
	"invalid/clerr":      {0, torturetest.Refused}, // a stream waits for the 9999 announced bytes
	"invalid/cparam01":   {405, 405},
	"invalid/cparam02":   {405, 405},
	"invalid/escruri":    {400, 400},
	"invalid/insuf":      {400, 400},
	"invalid/inv2543":    {400, torturetest.Refused}, // no Content-Length: a stream cannot frame it (§18.3)
	"invalid/invut":      {415, 415},
	"invalid/ltgtruri":   {0, 0},
	"invalid/lwsruri":    {0, 0},
	"invalid/lwsstart":   {0, 0},
	"invalid/mcl01":      {400, torturetest.Refused}, // two Content-Lengths
	"invalid/mismatch01": {400, 400},
	"invalid/mismatch02": {400, 400}, // an unknown method whose CSeq says INVITE: 400 (RFC 4475 §3.1.2.18 accepts it beside 501)
	"invalid/multi01":    {400, 400},
	"invalid/ncl":        {0, 0},
	"invalid/novelsc":    {0, 0},
	"invalid/quotbal":    {0, 0},
	"invalid/regaut01":   {405, 405},
	"invalid/regbadct":   {405, 405},
	"invalid/regescrt":   {405, 405},
	"invalid/scalar02":   {0, 0},
	"invalid/scalarlg":   {0, 0},
	"invalid/sdp01":      {406, 406},
	"invalid/test":       {0, 0},
	"invalid/trws":       {0, 0},
	"invalid/unkscm":     {416, 416},
	"invalid/unksm2":     {405, 405},
	"invalid/zeromf":     {200, 200},                 // RFC 4475: an endpoint processes Max-Forwards 0
	"valid/dblreq":       {405, torturetest.Refused}, // the blank line between the two messages
	"valid/esc01":        {100, 100},
	"valid/esc02":        {0, 501}, // the UDP screen takes only A-Z methods; an unknown method: 501
	"valid/escnull":      {405, 405},
	"valid/intmeth":      {0, 501},
	"valid/longreq":      {0, 100}, // over UDP no response with its 34 Vias fits a datagram: dropped
	"valid/lwsdisp":      {200, 200},
	"valid/mpart01":      {481, 481}, // MESSAGE outside a dialog
	"valid/noreason":     {0, 0},
	"valid/semiuri":      {200, 200},
	"valid/transports":   {200, 200},
	"valid/unreason":     {0, 0},
	"valid/wsinv":        {400, 400}, // sipgo reads no From tag in "tag = 98asjd8" and answers 400 itself
}

func TestTortureMessagesLeaveTheGatewayServing(t *testing.T) {
	var served atomic.Int32
	var rejected reasons
	// Calls are left unanswered: the test sends no ACK, and nothing goes to the
	// documentation addresses in their SDP.
	h := handlerFunc(func(ctx context.Context, in *Inbound) { served.Add(1) })
	msgs := tortureMessages(t)
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			g := startGatewayWith(t, network, 8, h, Admission{Rejected: rejected.add})
			target := net.JoinHostPort(g.uri.Host, strconv.Itoa(g.uri.Port))
			want := func(name string) int {
				if network == "udp" {
					return tortureResponses[name].udp
				}
				return tortureResponses[name].tcp
			}
			got := torturetest.Send(t, network, target, "", msgs, func(name string) bool { return want(name) > 0 })
			for _, name := range torturetest.Names(msgs) {
				if _, listed := tortureResponses[name]; !listed {
					t.Errorf("%s: no expected response listed", name)
				}
				if !torturetest.Meets(got[name], want(name)) {
					t.Errorf("%s over %s: answered %d, want %d", name, network, got[name], want(name))
				}
			}
		})
	}
	if n := rejected.get(RejectBadRequest); n == 0 {
		t.Error("no request counted as bad_request")
	}
}
