package e2e

import (
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
)

const (
	trustedCalls  = 4
	floodRate     = 2000 // INVITEs per second from the untrusted source
	floodSeconds  = 3
	raceFloodRate = 400 // the race detector's gateway is several times slower
)

// A scanner floods the gateway with INVITEs from 127.0.0.2, outside sip.trusted, while a
// trunk on 127.0.0.1 places calls: every trunk call is consented and recorded as without
// the flood, and the flood is refused (403) and counted, never answered.
func TestInviteFloodFromUntrustedSourceLeavesTrustedCallsAlone(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := agentFor(t, trustedCalls)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.SIP.Trusted = []string{"127.0.0.1/32"}
		// The flood loads both cores: the caller's digit may come late, and a late digit
		// must still count (the test is about admission, not about the IVR's timer).
		c.Consent.Timeout = config.Duration(20 * time.Second)
	})

	rate := floodRate
	if raceDetector {
		rate = raceFloodRate
	}
	flood := sipptest.Start(t, sipptest.Options{
		Scenario: "flood_invite.xml", Remote: gw.Addr(), LocalIP: "127.0.0.2",
		Calls: rate * floodSeconds, Rate: rate, Timeout: 40 * time.Second,
		Keys: map[string]string{"caller": callerNumber, "callee": calledNumber},
	})
	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_info.xml", Remote: gw.Addr(), Calls: trustedCalls, Rate: 2, Timeout: waitLimit,
		Keys: callerKeys(pcmu, "", map[string]string{
			"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "300", "digit": "1", "hold": "1500",
		}),
	})

	mustSucceed(t, "trusted caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitArchived(t, "recording", trustedCalls, waitLimit)
	flood.Wait() // some of the flood may time out on a loaded machine: its count is not the point

	receipts := gw.Receipts(t)
	if len(receipts) != trustedCalls {
		t.Fatalf("%d receipts, want %d: the flood must not make or lose calls", len(receipts), trustedCalls)
	}
	for _, r := range receipts {
		if r.Decision != consent.DecisionGranted || r.Recording == nil {
			t.Errorf("receipt %s: decision %s, recording %v; want granted and recorded", r.ID, r.Decision, r.Recording)
		}
	}
	page := gw.Metrics(t)
	untrusted := gatewaytest.MetricValue(page, `consentgw_sip_rejected_total{reason="untrusted"}`)
	if untrusted < 1 {
		t.Errorf("no untrusted INVITE counted; /metrics:\n%s", page)
	}
	t.Logf("flood: %v INVITEs refused as untrusted", untrusted)
	gw.WaitIdle(t, waitLimit)
	assertNoRawNumber(t, gw)
}
