package e2e

import (
	"context"
	"crypto/tls"
	"strconv"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/audiotest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/sip/testports"
	"github.com/consentgw/consentgw/sip/webrtcleg/webrtctest"
)

// startWebRTCGateway runs the gateway with a SIP-over-WebSocket listener next to UDP and
// TCP, routed to the agent; it returns the WebSocket's host:port. With secure, the
// listener is wss: on a self-signed certificate, and the returned config trusts it.
func startWebRTCGateway(t *testing.T, agent interface{ Addr() string }, secure bool) (*gatewaytest.Gateway, string, *tls.Config) {
	t.Helper()
	wsAddr := "127.0.0.1:" + strconv.Itoa(testports.Port(t, testports.TCP))
	listener := "ws:" + wsAddr
	var certFile, keyFile string
	var client *tls.Config
	if secure {
		certFile, keyFile, client = selfSignedCert(t)
		listener = "wss:" + wsAddr
	}
	gw := gatewaytest.Start(t, func(c *config.Config) {
		c.SIP.Listen = append(c.SIP.Listen, listener)
		c.SIP.TLS.Cert, c.SIP.TLS.Key = certFile, keyFile
		c.Routes[0].RecordTarget = "sip:agents@" + agent.Addr()
		c.Routes[0].NorecordTarget = "sip:agents@" + agent.Addr()
		c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
	})
	return gw, wsAddr, client
}

// A browser-like WebRTC peer calls over SIP over WebSocket, answers the prompt by RFC 4733
// (RTCDTMFSender) or SIP INFO, talks to the agent, and hangs up: the receipt and the
// recording are those of a trunk call. The agent is SIPp, or a Go peer (sip/siptest) in
// the one case that runs in the -short tier.
func TestWebRTCCallerOverWebSocket(t *testing.T) {
	cases := []struct {
		name     string
		complete bool // offer with all candidates (JsSIP) or none yet (trickle)
		secure   bool // wss: instead of ws:
		digit    byte
		info     bool
		decision consent.Decision
		method   consent.Method
		goAgent  bool // a Go agent, not SIPp
	}{
		{"presses 1 by RFC 4733, complete offer", true, false, '1', false, consent.DecisionGranted, consent.MethodRFC4733, false},
		{"presses 1 by SIP INFO, trickle offer", false, false, '1', true, consent.DecisionGranted, consent.MethodSIPInfo, false},
		{"presses 2 and is not recorded", true, false, '2', false, consent.DecisionDeclined, consent.MethodRFC4733, false},
		{"presses 1 over wss", true, true, '1', false, consent.DecisionGranted, consent.MethodRFC4733, false},
		{"presses 1 by RFC 4733 to a Go agent", true, false, '1', false, consent.DecisionGranted, consent.MethodRFC4733, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recorded := tc.decision == consent.DecisionGranted
			header := "declined"
			if recorded {
				header = "granted"
			}
			var sippAgent *sipptest.Process
			var goAgent *goAgent
			var agent interface{ Addr() string }
			if tc.goAgent {
				goAgent = startGoAgent(t)
				agent = goAgent
			} else {
				sippAgent = startAgent(t, "agent.xml", pcmu, header, nil)
				agent = sippAgent
			}
			gw, wsAddr, client := startWebRTCGateway(t, agent, tc.secure)
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()

			browser := webrtctest.New(t)
			phone, answer, err := webrtctest.Call(ctx, t, webrtctest.CallOptions{
				Addr: wsAddr, TLS: client, Caller: callerNumber, Callee: calledNumber, Offer: browser.Offer(t, tc.complete),
			})
			if err != nil {
				t.Fatal(err)
			}
			browser.Accept(t, answer)
			browser.WaitConnected(t, 10*time.Second)
			browser.StartTone(callerTone)
			waitHeard(t, browser, 10*time.Second, func(heard []int16) bool { return len(heard) >= 8*160 }, "the prompt")
			if tc.info {
				if err := phone.Info(ctx, tc.digit); err != nil {
					t.Fatal(err)
				}
			} else {
				browser.SendDigit(tc.digit)
			}
			if goAgent != nil {
				goAgent.talk(t, header)
			}
			// Talk until the browser has heard the agent for 1.5 s.
			var agentFrom int
			waitHeard(t, browser, 20*time.Second, func(heard []int16) bool {
				if agentFrom == 0 && len(heard) >= 1600 {
					if f, ratio := audiotest.DominantTone(heard[len(heard)-1600:], 8000, callerTone, agentTone); f == agentTone && ratio > 10 {
						agentFrom = len(heard)
					}
				}
				return agentFrom > 0 && len(heard)-agentFrom >= 12000
			}, "the agent's tone")
			if err := phone.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
			if sippAgent != nil {
				mustSucceed(t, "agent", sippAgent)
			}
			r := waitCallStored(t, gw, recorded)
			if r.Decision != tc.decision || r.Method != tc.method || r.Digit != string(tc.digit) {
				t.Errorf("receipt says %s by %s (%q), want %s by %s (%c)", r.Decision, r.Method, r.Digit, tc.decision, tc.method, tc.digit)
			}
			assertRecordedOnlyWhenGranted(t, gw, r, recorded)
			assertNoRawNumber(t, gw)
		})
	}
}

// waitHeard polls what the browser heard until done says so, bounded by timeout.
func waitHeard(t *testing.T, b *webrtctest.Peer, timeout time.Duration, done func([]int16) bool, what string) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for !done(b.Heard()) {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("browser did not hear %s within %v (heard %d samples)", what, timeout, len(b.Heard()))
		}
	}
}

// When the agent hangs up, the gateway's BYE reaches the browser down the WebSocket the
// call came on: its Contact (a .invalid host) cannot be dialled (RFC 7118 §5).
func TestAgentHangupReachesWebRTCCallerOverItsWebSocket(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent_hangup.xml", pcmu, "declined", map[string]string{"hold": "1000"})
	gw, wsAddr, _ := startWebRTCGateway(t, agent, false)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	browser := webrtctest.New(t)
	phone, answer, err := webrtctest.Call(ctx, t, webrtctest.CallOptions{Addr: wsAddr, Caller: callerNumber, Callee: calledNumber, Offer: browser.Offer(t, true)})
	if err != nil {
		t.Fatal(err)
	}
	browser.Accept(t, answer)
	browser.WaitConnected(t, 10*time.Second)
	browser.StartTone(callerTone)
	if err := phone.Info(ctx, '2'); err != nil {
		t.Fatal(err)
	}
	select {
	case <-phone.Ended():
	case <-ctx.Done():
		t.Fatal("the browser got no BYE after the agent hung up")
	}
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "receipt", 1, waitLimit)
	if r := onlyReceipt(t, gw); r.Decision != consent.DecisionDeclined || r.Method != consent.MethodSIPInfo {
		t.Errorf("receipt says %s by %s, want declined by sip-info", r.Decision, r.Method)
	}
	assertNoAudioWritten(t, gw)
}
