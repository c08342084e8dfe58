package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/siptest"
)

// bridgedPackets is how much audio each party must get through the bridge before the
// caller hangs up: 1.2 s, so the recording holds more than the second
// assertRecordingChannels asks for.
const bridgedPackets = 60

// A Go caller (sip/siptest) hears the prompt, presses a key by RFC 4733 and talks to a
// Go agent through the in-process gateway: the agent is told the caller's answer, the
// receipt says it, and only a caller who pressed 1 is recorded, caller on the left and
// agent on the right. The call path of TestCallPathEndToEnd without SIPp, root or any
// outside binary: it runs in the -short tier.
func TestGoCallerAnswersThePromptAndReachesTheAgent(t *testing.T) {
	cases := []struct {
		name     string
		digit    byte
		decision consent.Decision
	}{
		{"presses 1 and is recorded", '1', consent.DecisionGranted},
		{"presses 2 and is not recorded", '2', consent.DecisionDeclined},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recorded := tc.decision == consent.DecisionGranted
			agent := startGoAgent(t)
			gw := gatewaytest.Start(t, func(c *config.Config) {
				c.Routes[0].RecordTarget = "sip:agents@" + agent.Addr()
				c.Routes[0].NorecordTarget = "sip:agents@" + agent.Addr()
				c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
			})

			goCall(t, gw, agent, tc.digit, recorded)
			r := waitCallStored(t, gw, recorded)
			if r.Decision != tc.decision || r.Method != consent.MethodRFC4733 || r.Digit != string(tc.digit) {
				t.Errorf("receipt says %s by %s (%q), want %s by rfc4733 (%q)", r.Decision, r.Method, r.Digit, tc.decision, tc.digit)
			}
			if types := subjectTypes(r); !types["tel"] || !types["agent"] {
				t.Errorf("receipt subjects %+v, want tel and agent", r.Subjects)
			}
			if r.Prompt.ID == "" || r.Prompt.SHA256 == "" || r.Prompt.PlayedMS <= 0 {
				t.Errorf("receipt prompt %+v: want id, sha256 and time played", r.Prompt)
			}
			// Encryption at rest is on by default: the recording is sealed, and every
			// receipt keeps its Call-ID only encrypted to the caller's key.
			if r.SIPCallID != "" || !strings.HasPrefix(r.SIPCallIDSealed, "-----BEGIN AGE ENCRYPTED FILE-----") {
				t.Errorf("receipt keeps the Call-ID %q, sealed %q: want it sealed only", r.SIPCallID, r.SIPCallIDSealed)
			}
			if recorded && !strings.HasSuffix(*r.Recording, ".sealed") {
				t.Errorf("recording %s: want a sealed recording", *r.Recording)
			}
			assertRecordedOnlyWhenGranted(t, gw, r, recorded)
			assertNoRawNumber(t, gw)
		})
	}
}

// goCall places a call from a Go caller (callerNumber) that presses digit after the
// prompt starts and talks to agent until each heard the other through the bridge.
func goCall(t *testing.T, gw *gatewaytest.Gateway, agent *goAgent, digit byte, recorded bool) {
	t.Helper()
	callerMedia := siptest.ListenRTP(t)
	trunk := siptest.NewPeer(t, "udp", nil)
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: callerNumber, Host: "127.0.0.1"}}
	call := trunk.Invite(t, siptest.URI(calledNumber, gw.Addr(), "udp"),
		siptest.Offer(callerMedia.Port(), "", siptest.PCMU, siptest.TelephoneEvent), from)
	if call.Err != nil {
		t.Fatalf("the gateway did not answer the caller: %v", call.Err)
	}
	callerMedia.Start(t, call.Answer, callerTone)
	callerMedia.WaitReceived(t, 10, "the prompt")
	callerMedia.SendDigit(digit)

	heard := callerMedia.Received()
	agent.talk(t, map[bool]string{true: "granted", false: "declined"}[recorded])
	agent.media.WaitReceived(t, bridgedPackets, "the caller's audio through the bridge")
	callerMedia.WaitReceived(t, heard+bridgedPackets, "the agent's audio through the bridge")
	call.Bye(t)
}

// goAgent is the agent as a Go peer (sip/siptest): it answers the gateway's INVITE with
// PCMU from an RTP socket of its own, and talks with the agent's 1000 Hz tone once told.
type goAgent struct {
	sip   *siptest.Agent
	media *siptest.RTP
}

func startGoAgent(t *testing.T) *goAgent {
	t.Helper()
	media := siptest.ListenRTP(t)
	return &goAgent{media: media, sip: siptest.NewAgent(t, "udp", func(*sip.Request) (int, string) {
		return sip.StatusOK, siptest.Offer(media.Port(), "", siptest.PCMU, siptest.TelephoneEvent)
	})}
}

// Addr is where the gateway's route sends the call.
func (a *goAgent) Addr() string { return a.sip.Addr }

// talk waits for the gateway's INVITE, checks that it says X-Recording-Consent: want, as
// the SIPp agent scenario does, and sends the agent's tone to the media it offers.
func (a *goAgent) talk(t *testing.T, want string) {
	t.Helper()
	invite := siptest.Recv(t, a.sip.Invites, "the gateway's INVITE to the agent")
	if h := invite.GetHeader("X-Recording-Consent"); h == nil || h.Value() != want {
		t.Errorf("agent told X-Recording-Consent %v, want %s", h, want)
	}
	offer, err := sdpneg.Parse(invite.Body())
	if err != nil {
		t.Fatalf("the gateway's offer to the agent: %v", err)
	}
	a.media.Start(t, offer, agentTone)
}
