package e2e

import (
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/kamailiotest"
	"github.com/consentgw/consentgw/consent"
)

// Kamailio with a plain record-route config on the trunk side (caller -> proxy ->
// gateway) and on the agent side (gateway -> proxy -> agent): the call bridges, consent
// is taken, and the BYE reaches both ends through the proxy.
func TestRealSIPKamailioOnTrunkAndAgentSide(t *testing.T) {
	requireRealSIP(t)
	kamailiotest.Require(t)
	for _, side := range []string{"trunk", "agent"} {
		t.Run(side, func(t *testing.T) {
			agent := realAgent(t, "auto")
			target := agent.Addr()
			var agentProxy *kamailiotest.Proxy
			if side == "agent" {
				agentProxy = kamailiotest.Start(t, kamailiotest.Options{NextHop: agent.Addr()})
				target = agentProxy.Addr()
			}
			gw, dial := startRealGateway(t, target)
			var proxy *kamailiotest.Proxy
			if side == "trunk" {
				proxy = kamailiotest.Start(t, kamailiotest.Options{NextHop: dial})
				dial = proxy.Addr()
			} else {
				proxy = agentProxy
			}
			caller := realCaller(t)

			callGateway(t, caller, dial)
			caller.SendDigit(t, "1")
			if _, err := agent.WaitErr("CALL_ESTABLISHED", realWait); err != nil {
				t.Fatalf("the call never bridged through kamailio on the %s side (%s): %v", side, agentLegDefect, err)
			}
			talk()
			hangUpAndWait(t, caller, agent)
			if proxy.Requests("BYE") == 0 {
				t.Errorf("the BYE did not pass kamailio")
			}
			gw.WaitIdle(t, waitLimit)
			gw.WaitArchived(t, "recording", 1, waitLimit)
			if r := onlyReceipt(t, gw); r.Decision != consent.DecisionGranted || r.Recording == nil {
				t.Errorf("receipt says %s (recording %v), want granted with a recording", r.Decision, r.Recording)
			}
		})
	}
}
