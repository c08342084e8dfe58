package e2e

import (
	"errors"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/sip/testports"
)

// callLimit bounds each SIPp run of these tests: a scenario that waits for a BYE the
// gateway never sends fails after it instead of after waitLimit.
const callLimit = 20 * time.Second

// pressOneKeys are the keys of a PCMU caller that presses 1 by RFC 4733 300 ms after the
// answer, plus extra.
func pressOneKeys(extra map[string]string) map[string]string {
	keys := map[string]string{"digit_delay": "300", "dtmf_pcap": sipptest.DTMFPcap("1")}
	for k, v := range extra {
		keys[k] = v
	}
	return callerKeys(pcmu, pcmu.stream("caller-440hz", -1), keys)
}

// startGatewayTo runs the gateway with both targets of its default route at addr.
func startGatewayTo(t *testing.T, addr string, answerTimeout time.Duration) *gatewaytest.Gateway {
	t.Helper()
	return gatewaytest.Start(t, func(c *config.Config) {
		c.Routes[0].RecordTarget = "sip:agents@" + addr
		c.Routes[0].NorecordTarget = "sip:agents@" + addr
		c.Routes[0].AnswerTimeout = config.Duration(answerTimeout)
	})
}

// The agent leaves first: the gateway must pass the BYE on to the caller (whose scenario
// fails without it) and still store the granted call's recording.
func TestAgentHangupEndsCallerLegAndKeepsRecording(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent_hangup.xml", pcmu, "granted", map[string]string{"hold": "2000"})
	gw := startGateway(t, agent)
	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_rfc4733_expect_bye.xml", Remote: gw.Addr(), Timeout: callLimit,
		Keys: pressOneKeys(nil),
	})
	mustSucceed(t, "agent", agent)
	mustSucceed(t, "caller", caller)
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

// SPEC §4: a target that is busy or unreachable ends the caller's leg with BYE; the
// receipt written at decision time stands (recording null) and no audio is kept.
func TestFailedTargetEndsCallerLegAndKeepsReceipt(t *testing.T) {
	sipptest.RequireSIPp(t)
	cases := []struct {
		name string
		// target returns the agent address and, when a SIPp agent plays it, its process.
		target func(t *testing.T) (string, *sipptest.Process)
		// answerTimeout is the route's; the unreachable target is given up after it.
		answerTimeout time.Duration
	}{
		{
			name: "target busy (486)",
			target: func(t *testing.T) (string, *sipptest.Process) {
				agent := startAgent(t, "agent_busy.xml", pcmu, "granted", nil)
				return agent.Addr(), agent
			},
			answerTimeout: 10 * time.Second,
		},
		{
			name: "target unreachable",
			target: func(t *testing.T) (string, *sipptest.Process) {
				// Reserved and bound by nobody: the INVITE goes unanswered.
				return "127.0.0.1:" + strconv.Itoa(testports.Port(t, testports.UDP)), nil
			},
			answerTimeout: 2 * time.Second,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr, agent := tc.target(t)
			gw := startGatewayTo(t, addr, tc.answerTimeout)
			caller := sipptest.Start(t, sipptest.Options{
				Scenario: "caller_rfc4733_expect_bye.xml", Remote: gw.Addr(), Timeout: callLimit,
				Keys: pressOneKeys(nil),
			})
			mustSucceed(t, "caller", caller)
			if agent != nil {
				mustSucceed(t, "agent", agent)
			}
			gw.WaitIdle(t, waitLimit)
			// At the decision (recording pending), then saying nothing was recorded.
			gw.WaitArchived(t, "receipt", 2, waitLimit)

			r := onlyReceipt(t, gw)
			if r.Decision != consent.DecisionGranted || r.Method != consent.MethodRFC4733 || r.Digit != "1" {
				t.Errorf("receipt says %s by %s (%q), want granted by rfc4733 (\"1\")", r.Decision, r.Method, r.Digit)
			}
			if r.Recording != nil || r.RecordingStatus != consent.RecordingNone || r.RecordingReason != consent.ReasonNotConnected {
				t.Errorf("receipt of a call that never reached its target says recording %v, %s/%s; want none, not_connected", r.Recording, r.RecordingStatus, r.RecordingReason)
			}
			if types := subjectTypes(r); !types["tel"] || !types["agent"] {
				t.Errorf("receipt subjects %+v, want tel and agent", r.Subjects)
			}
			assertNoAudioWritten(t, gw)
			assertNoRawNumber(t, gw)
		})
	}
}

// A caller who hangs up while the prompt plays has decided nothing: the receipt says
// hangup, and no agent is called.
func TestCallerHangupDuringPromptWritesHangupReceipt(t *testing.T) {
	sipptest.RequireSIPp(t)
	// The route's target is a socket of ours, so an INVITE sent to it would be seen.
	target, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	gw := startGatewayTo(t, target.LocalAddr().String(), 2*time.Second)
	// The test prompt lasts 1.2 s; the caller hangs up 300 ms after the answer.
	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_silent.xml", Remote: gw.Addr(), Timeout: callLimit,
		Keys: callerKeys(pcmu, pcmu.stream("caller-440hz", -1), map[string]string{"hold": "300"}),
	})
	mustSucceed(t, "caller", caller)
	gw.WaitArchived(t, "receipt", 1, waitLimit)
	gw.WaitIdle(t, waitLimit)

	r := onlyReceipt(t, gw)
	if r.Decision != consent.DecisionHangup || r.Method != consent.MethodNone || r.Digit != "" {
		t.Errorf("receipt says %s by %s (%q), want hangup by none (\"\")", r.Decision, r.Method, r.Digit)
	}
	if r.Recording != nil {
		t.Errorf("hangup receipt names recording %s", *r.Recording)
	}
	if types := subjectTypes(r); !types["tel"] || types["agent"] {
		t.Errorf("receipt subjects %+v, want tel and no agent", r.Subjects)
	}
	if r.Prompt.ID == "" || r.Prompt.PlayedMS <= 0 {
		t.Errorf("receipt prompt %+v: want id and time played", r.Prompt)
	}
	// The call is over, so anything it sent over loopback is already queued on target.
	if err := target.SetReadDeadline(time.Now()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	if n, _, err := target.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the agent target received %d bytes (%v): no INVITE may leave for a caller who hung up", n, err)
	}
	assertNoAudioWritten(t, gw)
	assertNoRawNumber(t, gw)
}
