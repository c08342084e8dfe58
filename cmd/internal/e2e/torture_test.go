package e2e

import (
	"path/filepath"
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/sip/b2bua/torturetest"
)

// tortureSource sends the torture messages: outside sip.trusted, so the well-formed
// INVITEs among them end at 403 and no media goes to the documentation addresses in their
// SDP. Malformed requests are refused before trust is looked at.
const tortureSource = "127.0.0.2"

// gatewayTorture is what the gateway answers each RFC 4475 message from an untrusted
// source with, over UDP and TCP; 0 = no response: sipgo cannot parse it, it is a
// response, UDP's screen drops it (no SIP/2.0 start line, a method outside A-Z), or no
// response to it would fit a datagram (longreq), or sipgo's stream parser dropped the
// connection. Refused: none or a refusal, as sipgo's stream parser races its answer
// against closing the connection (no or two Content-Lengths, the two messages of dblreq,
// and clerr waiting for the 9999 body bytes it announced).
var gatewayTorture = map[string]struct{ udp, tcp int }{
	"invalid/badaspec": {0, 0}, "invalid/baddn": {0, 0}, "invalid/badinv01": {0, 0},
	"invalid/bcast": {0, 0}, "invalid/bigcode": {0, 0}, "invalid/ltgtruri": {0, 0},
	"invalid/lwsruri": {0, 0}, "invalid/lwsstart": {0, 0}, "invalid/ncl": {0, 0},
	"invalid/novelsc": {0, 0}, "invalid/quotbal": {0, 0}, "invalid/scalar02": {0, 0},
	"invalid/scalarlg": {0, 0}, "invalid/test": {0, 0}, "invalid/trws": {0, 0},
	"valid/noreason": {0, 0}, "valid/unreason": {0, 0},
	"invalid/clerr": {0, torturetest.Refused},

	"invalid/badvers":    {0, 505},
	"invalid/bext01":     {420, 420},
	"invalid/escruri":    {400, 400},
	"invalid/insuf":      {400, 400},
	"invalid/inv2543":    {400, torturetest.Refused},
	"invalid/invut":      {415, 415},
	"invalid/mcl01":      {400, torturetest.Refused},
	"invalid/mismatch01": {400, 400},
	"invalid/multi01":    {400, 400},
	"invalid/sdp01":      {406, 406},
	"invalid/unkscm":     {416, 416},

	// Well-formed: refused as untrusted.
	"invalid/badbranch": {403, 403}, "invalid/baddate": {403, 403}, "invalid/zeromf": {403, 403},
	"valid/esc01": {403, 403}, "valid/lwsdisp": {403, 403}, "valid/semiuri": {403, 403},
	"valid/transports": {403, 403},
	"valid/wsinv":      {400, 400}, // sipgo reads no From tag in "tag = 98asjd8" and answers 400 itself
	"valid/longreq":    {0, 403},

	// SIP methods the gateway does not serve (REGISTER: 405 with Allow), methods nobody
	// knows (501, RFC 3261 §21.5.2), an unknown method whose CSeq says INVITE (400, which
	// RFC 4475 §3.1.2.18 accepts beside 501), and a MESSAGE of no dialog.
	"invalid/cparam01": {405, 405}, "invalid/cparam02": {405, 405}, "invalid/mismatch02": {400, 400},
	"invalid/regaut01": {405, 405}, "invalid/regbadct": {405, 405}, "invalid/regescrt": {405, 405},
	"invalid/unksm2": {405, 405}, "valid/dblreq": {405, torturetest.Refused}, "valid/esc02": {0, 501},
	"valid/escnull": {405, 405}, "valid/intmeth": {0, 501}, "valid/mpart01": {481, 481},
}

// Every RFC 4475 torture message, over UDP and over TCP, gets the response the RFC asks
// for (or none where sipgo cannot read it), never a 200, and leaves the gateway as it was:
// a consenting caller placed afterwards is recorded as ever.
func TestTortureMessagesThenAConsentingCall(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := agentFor(t, 1)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.SIP.Trusted = []string{"127.0.0.1/32"}
	})
	msgs := torturetest.Messages(t, filepath.Join("..", "..", "..", "sip", "b2bua", "testdata", "torture"))
	for _, network := range []string{"udp", "tcp"} {
		want := func(name string) int {
			if network == "udp" {
				return gatewayTorture[name].udp
			}
			return gatewayTorture[name].tcp
		}
		got := torturetest.Send(t, network, gw.Addr(), tortureSource, msgs, func(name string) bool { return want(name) > 0 })
		for _, name := range torturetest.Names(msgs) {
			if _, listed := gatewayTorture[name]; !listed {
				t.Errorf("%s: no expected response listed", name)
			}
			if !torturetest.Meets(got[name], want(name)) {
				t.Errorf("%s over %s: answered %d, want %d", name, network, got[name], want(name))
			}
			if got[name] >= 200 && got[name] < 300 {
				t.Errorf("%s over %s: answered %d; a torture message is never accepted from an untrusted source", name, network, got[name])
			}
		}
	}

	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_rfc4733.xml", Remote: gw.Addr(), Timeout: waitLimit,
		Keys: callerKeys(pcmu, "", map[string]string{
			"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "300", "dtmf_pcap": sipptest.DTMFPcap("1"), "hold": "2500",
		}),
	})
	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 1, waitLimit)
	r := onlyReceipt(t, gw)
	if r.Decision != consent.DecisionGranted || r.Method != consent.MethodRFC4733 || r.Recording == nil {
		t.Fatalf("receipt after the torture: %s by %s, recording %v; want granted by rfc4733 and recorded", r.Decision, r.Method, r.Recording)
	}
	assertRecordingChannels(t, gw, *r.Recording)

	page := gw.Metrics(t)
	if n := gatewaytest.MetricValue(page, `consentgw_sip_rejected_total{reason="bad_request"}`); n < 1 {
		t.Errorf("no bad_request counted; /metrics:\n%s", page)
	}
	if n := gatewaytest.MetricValue(page, `consentgw_sip_rejected_total{reason="panic"}`); n != 0 {
		t.Errorf("%v panics counted", n)
	}
	assertNoRawNumber(t, gw)
}
