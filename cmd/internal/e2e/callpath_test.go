package e2e

import (
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
)

// Each case is one caller: how it answers the prompt decides the consent header the agent
// must see, the receipt, and whether a recording exists.
func TestCallPathEndToEnd(t *testing.T) {
	sipptest.RequireSIPp(t)
	cases := []struct {
		name     string
		scenario string
		law      law
		keys     func(law) map[string]string
		decision consent.Decision
		method   consent.Method
		digit    string
	}{
		{
			name: "caller presses 1 by RFC 4733", scenario: "caller_rfc4733.xml", law: pcmu,
			keys: func(l law) map[string]string {
				return map[string]string{"audio": l.stream("caller-440hz", -1), "digit_delay": "300", "dtmf_pcap": sipptest.DTMFPcap("1"), "hold": "2500"}
			},
			decision: consent.DecisionGranted, method: consent.MethodRFC4733, digit: "1",
		},
		{
			name: "caller presses 1 by SIP INFO", scenario: "caller_info.xml", law: pcma,
			keys: func(l law) map[string]string {
				return map[string]string{"audio": l.stream("caller-440hz", -1), "digit_delay": "300", "digit": "1", "hold": "2500"}
			},
			decision: consent.DecisionGranted, method: consent.MethodSIPInfo, digit: "1",
		},
		{
			name: "caller presses 1 as in-band tones", scenario: "caller_inband.xml", law: pcmu,
			keys: func(l law) map[string]string {
				return map[string]string{"audio": l.stream("caller-dtmf1-440hz", 1), "hold": "4000"}
			},
			decision: consent.DecisionGranted, method: consent.MethodInband, digit: "1",
		},
		{
			name: "caller presses 2 and is not recorded", scenario: "caller_rfc4733.xml", law: pcma,
			keys: func(l law) map[string]string {
				return map[string]string{"audio": l.stream("caller-440hz", -1), "digit_delay": "300", "dtmf_pcap": sipptest.DTMFPcap("2"), "hold": "2000"}
			},
			decision: consent.DecisionDeclined, method: consent.MethodRFC4733, digit: "2",
		},
		{
			name: "silent caller times out and is not recorded", scenario: "caller_silent.xml", law: pcmu,
			keys: func(l law) map[string]string {
				return map[string]string{"audio": l.stream("caller-440hz", -1), "hold": "4500"}
			},
			decision: consent.DecisionTimeout, method: consent.MethodNone, digit: "",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recorded := tc.decision == consent.DecisionGranted
			header := "declined"
			if recorded {
				header = "granted"
			}
			agent := startAgent(t, "agent.xml", tc.law, header, nil)
			gw := startGateway(t, agent)
			caller := sipptest.Start(t, sipptest.Options{
				Scenario: tc.scenario, Remote: gw.Addr(), Timeout: waitLimit,
				Keys: callerKeys(tc.law, "", tc.keys(tc.law)),
			})
			mustSucceed(t, "caller", caller)
			mustSucceed(t, "agent", agent)
			r := waitCallStored(t, gw, recorded)
			if r.Decision != tc.decision || r.Method != tc.method || r.Digit != tc.digit {
				t.Errorf("receipt says %s by %s (%q), want %s by %s (%q)", r.Decision, r.Method, r.Digit, tc.decision, tc.method, tc.digit)
			}
			if types := subjectTypes(r); !types["tel"] || !types["agent"] {
				t.Errorf("receipt subjects %+v, want tel and agent", r.Subjects)
			}
			if r.Prompt.ID == "" || r.Prompt.SHA256 == "" || r.Prompt.PlayedMS <= 0 {
				t.Errorf("receipt prompt %+v: want id, sha256 and time played", r.Prompt)
			}
			assertRecordedOnlyWhenGranted(t, gw, r, recorded)
			assertNoRawNumber(t, gw)
		})
	}
}
