package sipptest

import (
	"strings"
	"testing"
	"time"
)

const scenarioTimeout = 30 * time.Second

// law is one G.711 variant as the scenario keys spell it.
type law struct {
	pt    string
	codec string
	ext   string
}

var (
	ulaw = law{pt: "0", codec: "PCMU", ext: "ulaw"}
	alaw = law{pt: "8", codec: "PCMA", ext: "alaw"}
)

func (l law) stream(t *testing.T, file string, loops int) string {
	t.Helper()
	pt := 0
	if l.pt == "8" {
		pt = 8
	}
	return RTPStream(AudioPath(file+"."+l.ext), loops, pt)
}

func callerKeys(t *testing.T, l law, audio string, loops int, extra map[string]string) map[string]string {
	keys := map[string]string{
		"caller": "+4512345678",
		"callee": "+4587654321",
		"pt":     l.pt,
		"codec":  l.codec,
		"audio":  l.stream(t, audio, loops),
	}
	for k, v := range extra {
		keys[k] = v
	}
	return keys
}

// TestCallerScenariosCompleteAgainstGatewayStub runs each caller scenario
// against testdata/sipp/gateway_stub.xml, which answers like the gateway.
func TestCallerScenariosCompleteAgainstGatewayStub(t *testing.T) {
	tests := []struct {
		name        string
		scenario    string
		keys        map[string]string
		hangupAfter string // the stub's hangup_after key
		stubLog     string // expected in the stub's log
	}{
		{
			name:     "rfc4733 digit 1 ulaw",
			scenario: "caller_rfc4733.xml",
			keys: callerKeys(t, ulaw, "caller-440hz", -1, map[string]string{
				"digit_delay": "300", "dtmf_pcap": DTMFPcap("1"), "hold": "600",
			}),
			hangupAfter: "0",
			stubLog:     "RTP/AVP 0 101",
		},
		{
			name:     "rfc4733 digit 2 alaw",
			scenario: "caller_rfc4733.xml",
			keys: callerKeys(t, alaw, "caller-440hz", -1, map[string]string{
				"digit_delay": "300", "dtmf_pcap": DTMFPcap("2"), "hold": "600",
			}),
			hangupAfter: "0",
			stubLog:     "RTP/AVP 8 101",
		},
		{
			name:     "sip info digit 2",
			scenario: "caller_info.xml",
			keys: callerKeys(t, ulaw, "caller-440hz", -1, map[string]string{
				"digit_delay": "300", "digit": "2", "hold": "600",
			}),
			hangupAfter: "0",
			stubLog:     "INFO digit 2",
		},
		{
			name:        "inband digit 1 alaw",
			scenario:    "caller_inband.xml",
			keys:        callerKeys(t, alaw, "caller-dtmf1-440hz", 1, map[string]string{"hold": "1500"}),
			hangupAfter: "0",
			stubLog:     "RTP/AVP 8 from",
		},
		{
			name:        "silent caller hangs up",
			scenario:    "caller_silent.xml",
			keys:        callerKeys(t, ulaw, "caller-440hz", -1, map[string]string{"hold": "600"}),
			hangupAfter: "0",
			stubLog:     "+4512345678",
		},
		{
			// The caller would hold 30 s: it ends early only by taking the gateway's BYE.
			name:        "gateway hangs up on silent caller",
			scenario:    "caller_silent.xml",
			keys:        callerKeys(t, ulaw, "caller-440hz", -1, map[string]string{"hold": "30000"}),
			hangupAfter: "600",
			stubLog:     "RTP/AVP 0 101",
		},
		{
			name:     "gateway hangs up during rfc4733 hold",
			scenario: "caller_rfc4733.xml",
			keys: callerKeys(t, ulaw, "caller-440hz", -1, map[string]string{
				"digit_delay": "200", "dtmf_pcap": DTMFPcap("1"), "hold": "30000",
			}),
			hangupAfter: "800",
			stubLog:     "RTP/AVP 0 101",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := Start(t, Options{
				Scenario: "gateway_stub.xml",
				Keys:     map[string]string{"hangup_after": tt.hangupAfter},
				Timeout:  scenarioTimeout,
			})
			readyWithin(t, stub, 10*time.Second)
			caller := Start(t, Options{Scenario: tt.scenario, Remote: stub.Addr(), Keys: tt.keys, Timeout: scenarioTimeout})

			callerRes, stubRes := caller.Wait(), stub.Wait()
			if callerRes.ExitCode != 0 {
				t.Errorf("caller: %s", callerRes)
			}
			if stubRes.ExitCode != 0 {
				t.Errorf("stub: %s", stubRes)
			}
			if !strings.Contains(stubRes.Log, tt.stubLog) {
				t.Errorf("stub log lacks %q:\n%s", tt.stubLog, stubRes.Log)
			}
		})
	}
}

// TestAgentScenariosCheckTheGatewaysInvite runs the agent scenarios against
// a stand-in for the gateway's second leg (testdata/gateway_leg.xml).
func TestAgentScenariosCheckTheGatewaysInvite(t *testing.T) {
	tests := []struct {
		name      string
		scenario  string
		agentKeys map[string]string // besides audio
		agentLaw  law
		legKeys   map[string]string
		agentExit int
	}{
		{
			name:      "granted ulaw",
			scenario:  "agent.xml",
			agentKeys: map[string]string{"consent": "granted"},
			agentLaw:  ulaw,
			legKeys:   map[string]string{"consent": "granted", "consent_id": "01JTEST", "pt": "0", "hold": "600"},
		},
		{
			name:      "declined alaw",
			scenario:  "agent.xml",
			agentKeys: map[string]string{"consent": "declined"},
			agentLaw:  alaw,
			legKeys:   map[string]string{"consent": "declined", "consent_id": "01JTEST", "pt": "8", "hold": "600"},
		},
		{
			name:      "consent mismatch fails the agent",
			scenario:  "agent.xml",
			agentKeys: map[string]string{"consent": "granted"},
			agentLaw:  ulaw,
			legKeys:   map[string]string{"consent": "declined", "consent_id": "01JTEST", "pt": "0", "hold": "600"},
			agentExit: 1,
		},
		{
			name:      "empty consent id fails the agent",
			scenario:  "agent.xml",
			agentKeys: map[string]string{"consent": "granted"},
			agentLaw:  ulaw,
			legKeys:   map[string]string{"consent": "granted", "consent_id": "", "pt": "0", "hold": "600"},
			agentExit: 1,
		},
		{
			name:      "codec mismatch fails the agent",
			scenario:  "agent.xml",
			agentKeys: map[string]string{"consent": "granted"},
			agentLaw:  ulaw,
			legKeys:   map[string]string{"consent": "granted", "consent_id": "01JTEST", "pt": "8", "hold": "600"},
			agentExit: 1,
		},
		{
			// The leg would hold 30 s: it ends early only by taking the agent's BYE.
			name:      "agent hangs up",
			scenario:  "agent_hangup.xml",
			agentKeys: map[string]string{"consent": "granted", "hold": "600"},
			agentLaw:  ulaw,
			legKeys:   map[string]string{"consent": "granted", "consent_id": "01JTEST", "pt": "0", "hold": "30000"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			keys := map[string]string{
				"pt":    tt.agentLaw.pt,
				"codec": tt.agentLaw.codec,
				"audio": tt.agentLaw.stream(t, "agent-1000hz", -1),
			}
			for k, v := range tt.agentKeys {
				keys[k] = v
			}
			agent := Start(t, Options{Scenario: tt.scenario, Keys: keys, Timeout: scenarioTimeout})
			readyWithin(t, agent, 10*time.Second)
			leg := Start(t, Options{
				Scenario: testScenario(t, "gateway_leg.xml"),
				Remote:   agent.Addr(),
				Keys:     tt.legKeys,
				Timeout:  scenarioTimeout,
			})

			legRes, agentRes := leg.Wait(), agent.Wait()
			if legRes.ExitCode != 0 {
				t.Errorf("gateway leg: %s", legRes)
			}
			if agentRes.ExitCode != tt.agentExit {
				t.Errorf("agent exit code %d, want %d: %s", agentRes.ExitCode, tt.agentExit, agentRes)
			}
			if tt.agentExit != 0 && !strings.Contains(agentRes.ErrorLog, "Failed regexp match") {
				t.Errorf("agent error log does not name the failed check:\n%s", agentRes.ErrorLog)
			}
		})
	}
}
