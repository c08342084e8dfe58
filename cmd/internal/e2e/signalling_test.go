package e2e

import (
	"strings"
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
)

// SPEC §4: an offer without PCMU or PCMA gets 488 and the call never starts, so there
// is nothing to decide and no receipt.
func TestOfferWithoutCommonCodecIsRefused488(t *testing.T) {
	sipptest.RequireSIPp(t)
	gw := gatewaytest.Start(t, nil)
	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_g722.xml", Remote: gw.Addr(), Timeout: callLimit,
		Keys: map[string]string{"caller": callerNumber, "callee": calledNumber},
	})
	mustSucceed(t, "caller", caller)
	gw.WaitIdle(t, waitLimit)

	// The 488 is sent before any call handler runs: no receipt can be on its way.
	if keys := gw.Keys(t, ""); len(keys) != 0 {
		t.Errorf("a refused call stored %v", keys)
	}
	assertNoAudioWritten(t, gw)
	assertNoRawNumber(t, gw)
}

// The gateway listens on TCP as well as UDP on its SIP port; a caller over TCP is
// recorded like any other.
func TestCallerOverTCPIsRecorded(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent.xml", pcmu, "granted", nil)
	gw := startGateway(t, agent)
	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_rfc4733.xml", Remote: gw.Addr(), Timeout: callLimit, Transport: "t1",
		Keys: pressOneKeys(map[string]string{"hold": "1500"}),
	})
	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 1, waitLimit)

	r := onlyReceipt(t, gw)
	if r.Decision != consent.DecisionGranted || r.Method != consent.MethodRFC4733 || r.Digit != "1" {
		t.Errorf("receipt says %s by %s (%q), want granted by rfc4733 (\"1\")", r.Decision, r.Method, r.Digit)
	}
	if r.Recording == nil {
		t.Fatal("granted call's receipt names no recording")
	}
	assertRecordingChannels(t, gw, *r.Recording)
	assertNoRawNumber(t, gw)
}

// SPEC §4: a caller's hold (re-INVITE a=sendonly) is answered a=recvonly and passed to
// the agent, whose scenario fails unless a re-INVITE a=sendonly comes before the BYE.
func TestCallerHoldIsPassedToAgent(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent_hold.xml", pcmu, "granted", nil)
	gw := startGateway(t, agent)
	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_rfc4733_hold.xml", Remote: gw.Addr(), Timeout: callLimit,
		Keys: pressOneKeys(map[string]string{"reinvite_delay": "800", "hold": "1000"}),
	})
	callerRes := caller.Wait()
	if callerRes.ExitCode != 0 {
		t.Fatalf("caller failed: %s", callerRes)
	}
	if !strings.Contains(callerRes.Log, "hold answered a=recvonly") {
		t.Errorf("caller log lacks the recvonly answer:\n%s", callerRes.Log)
	}
	agentRes := agent.Wait()
	if agentRes.ExitCode != 0 {
		t.Fatalf("agent failed: %s", agentRes)
	}
	if !strings.Contains(agentRes.Log, "re-INVITE a=sendonly") {
		t.Errorf("agent log lacks the passed-on hold:\n%s", agentRes.Log)
	}
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 1, waitLimit)

	r := onlyReceipt(t, gw)
	if r.Decision != consent.DecisionGranted || r.Recording == nil {
		t.Errorf("receipt says %s, recording %v: want granted and recorded", r.Decision, r.Recording)
	}
	assertNoRawNumber(t, gw)
}

// RFC 3261 §11: trunks probe with OPTIONS out of dialog; the gateway answers 200 with
// its Allow list on each transport, and the probe is no call.
func TestOptionsIsAnswered200(t *testing.T) {
	sipptest.RequireSIPp(t)
	gw := gatewaytest.Start(t, nil)
	for _, transport := range []string{"u1", "t1"} {
		t.Run(transport, func(t *testing.T) {
			probe := sipptest.Start(t, sipptest.Options{
				Scenario: "options.xml", Remote: gw.Addr(), Timeout: callLimit, Transport: transport,
			})
			res := probe.Wait()
			if res.ExitCode != 0 {
				t.Fatalf("OPTIONS probe failed: %s", res)
			}
			if !strings.Contains(res.Log, "OPTIONS allow") {
				t.Errorf("probe log lacks the Allow header:\n%s", res.Log)
			}
		})
	}
	gw.WaitIdle(t, waitLimit)
	if keys := gw.Keys(t, ""); len(keys) != 0 {
		t.Errorf("OPTIONS stored %v", keys)
	}
}

// SPEC §4: a hold is passed to the other leg even when the caller holds during the
// prompt, before the agent leg exists: the agent must learn of it, by a sendonly offer
// or a re-INVITE (agent_held.xml takes either and fails without one).
func TestCallerHoldDuringPromptReachesAgent(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent_held.xml", pcmu, "granted", nil)
	gw := startGateway(t, agent)
	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_hold_then_rfc4733.xml", Remote: gw.Addr(), Timeout: callLimit,
		Keys: pressOneKeys(map[string]string{"hold": "1000"}),
	})
	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 1, waitLimit)

	if r := onlyReceipt(t, gw); r.Decision != consent.DecisionGranted {
		t.Errorf("receipt says %s, want granted: a caller on hold still sends its digit", r.Decision)
	}
	assertNoRawNumber(t, gw)
}
