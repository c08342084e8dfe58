package e2e

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/baresiptest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/consent"
)

// The real-software tier: baresip 1.0 phones and Kamailio 5.6, which answer to a
// request's Via (RFC 3261 §18.2.2) where SIPp answers to the packet's source, so they
// see defects SIPp hides (issue 19).

const (
	// realAnswerTimeout is long, so that a call ended "at once" is told apart from
	// one ended by the answer timeout.
	realAnswerTimeout = 60 * time.Second
	// realWait bounds each wait on a phone's event; it is well under realAnswerTimeout.
	realWait = 15 * time.Second
	// talkTime is how long a bridged call lasts, so the recording holds audio to check.
	talkTime = 2 * time.Second
)

// agentLegDefect names issue 19 §1 in failure messages.
const agentLegDefect = "issue 19 §1: agent-leg requests over UDP leave from a 0.0.0.0 socket whose port is not the Via's, without rport, so the agent's responses go where nothing listens"

func requireRealSIP(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("real-software tier (baresip, kamailio): skipped under -short")
	}
	baresiptest.Require(t)
}

// realAgent is a baresip agent playing the agent's 1000 Hz tone.
func realAgent(t *testing.T, answer string) *baresiptest.Phone {
	t.Helper()
	return baresiptest.Start(t, baresiptest.Options{User: "agents", Tone: agentTone, AnswerMode: answer})
}

// realCaller is a baresip caller playing the caller's 440 Hz tone.
func realCaller(t *testing.T) *baresiptest.Phone {
	t.Helper()
	return baresiptest.Start(t, baresiptest.Options{User: callerNumber, Tone: callerTone})
}

// realRoute points both targets of the default route at agentAddr.
func realRoute(agentAddr string) func(*config.Config) {
	return func(c *config.Config) {
		c.Routes[0].RecordTarget = "sip:agents@" + agentAddr
		c.Routes[0].NorecordTarget = "sip:agents@" + agentAddr
		c.Routes[0].AnswerTimeout = config.Duration(realAnswerTimeout)
	}
}

// startRealGateway runs the gateway in-process with its SIP listeners on 127.0.0.2, the
// route to agentAddr, and returns it with its SIP address. On 127.0.0.2 the gateway's
// packets to 127.0.0.1 carry source 127.0.0.1 unless they leave from the listener: a
// request sent from another socket than its Via's sent-by then gets its responses at
// 127.0.0.1:<Via port> (RFC 3261 §18.2.2 "received"), where the gateway does not listen,
// as on a host whose listener address is not its default source address.
func startRealGateway(t *testing.T, agentAddr string) (*gatewaytest.Gateway, string) {
	t.Helper()
	gw := gatewaytest.Start(t, func(c *config.Config) {
		realRoute(agentAddr)(c)
		for i, l := range c.SIP.Listen {
			c.SIP.Listen[i] = strings.Replace(l, ":127.0.0.1:", ":"+realListenIP+":", 1)
		}
	})
	return gw, net.JoinHostPort(realListenIP, strconv.Itoa(gw.SIPPort))
}

// realListenIP is the gateway's SIP address in the in-process real-software tests.
const realListenIP = "127.0.0.2"

// callGateway dials the called number at addr and waits for the gateway's answer.
func callGateway(t *testing.T, caller *baresiptest.Phone, addr string) {
	t.Helper()
	caller.Dial(t, "sip:"+calledNumber+"@"+addr)
	caller.Wait(t, "CALL_ESTABLISHED", realWait)
}

// waitAgentAnswered waits until the agent has answered and the caller is bridged.
func waitAgentAnswered(t *testing.T, agent *baresiptest.Phone) {
	t.Helper()
	if _, err := agent.WaitErr("CALL_ESTABLISHED", realWait); err != nil {
		t.Fatalf("agent never got the call established (%s): %v", agentLegDefect, err)
	}
}

// hangUpAndWait hangs up from who and waits until both phones closed the call.
func hangUpAndWait(t *testing.T, who, other *baresiptest.Phone) {
	t.Helper()
	who.Command(t, "hangup", "")
	who.Wait(t, "CALL_CLOSED", realWait)
	if _, err := other.WaitErr("CALL_CLOSED", realWait); err != nil {
		t.Fatalf("the other side never got the BYE: %v", err)
	}
}

// assertAgentAnsweredBye fails when the gateway saw no response to its BYE to the agent
// (it logs "BYE to agent: ..." and retransmits until its deadline).
func assertAgentAnsweredBye(t *testing.T, gw *gatewaytest.Gateway) {
	t.Helper()
	if logs := gw.Logs(); strings.Contains(logs, "BYE to agent:") {
		i := strings.Index(logs, "BYE to agent:")
		t.Errorf("the agent's 200 to the gateway's BYE never reached the gateway (%s): %s", agentLegDefect, logs[i:min(len(logs), i+80)])
	}
}

func talk() { <-time.After(talkTime) }

func TestRealSIPGrantedCallIsRecordedByChannel(t *testing.T) {
	requireRealSIP(t)
	agent := realAgent(t, "auto")
	gw, gwAddr := startRealGateway(t, agent.Addr())
	caller := realCaller(t)

	callGateway(t, caller, gwAddr)
	caller.SendDigit(t, "1")
	waitAgentAnswered(t, agent)
	talk()
	hangUpAndWait(t, caller, agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 1, waitLimit)

	r := onlyReceipt(t, gw)
	if r.Decision != consent.DecisionGranted || r.Method != consent.MethodRFC4733 {
		t.Fatalf("receipt says %s by %s, want granted by RFC 4733", r.Decision, r.Method)
	}
	if r.Recording == nil {
		t.Fatal("granted call's receipt names no recording")
	}
	assertRecordingChannels(t, gw, *r.Recording)
	assertAgentAnsweredBye(t, gw)
}

func TestRealSIPDeclinedCallReachesAgentUnrecorded(t *testing.T) {
	requireRealSIP(t)
	agent := realAgent(t, "auto")
	gw, gwAddr := startRealGateway(t, agent.Addr())
	caller := realCaller(t)

	callGateway(t, caller, gwAddr)
	caller.SendDigit(t, "2")
	waitAgentAnswered(t, agent)
	hangUpAndWait(t, caller, agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "receipt", 1, waitLimit)

	if r := onlyReceipt(t, gw); r.Decision != consent.DecisionDeclined || r.Recording != nil {
		t.Errorf("receipt says %s (recording %v), want declined and none", r.Decision, r.Recording)
	}
	assertNoAudioWritten(t, gw)
	assertAgentAnsweredBye(t, gw)
}

// An agent that answers 486 ends the caller's call at once, not after the answer
// timeout, and the consent receipt stands.
func TestRealSIPBusyAgentEndsCallAtOnce(t *testing.T) {
	requireRealSIP(t)
	agent := realAgent(t, "manual")
	gw, gwAddr := startRealGateway(t, agent.Addr())
	caller := realCaller(t)

	callGateway(t, caller, gwAddr)
	caller.SendDigit(t, "1")
	if _, err := agent.WaitErr("CALL_INCOMING", realWait); err != nil {
		t.Fatalf("agent never rang (%s): %v", agentLegDefect, err)
	}
	agent.Command(t, "hangup", "") // baresip rejects a ringing call with 486 Busy Here
	if _, err := caller.WaitErr("CALL_CLOSED", realWait); err != nil {
		t.Fatalf("caller got no BYE within %v of the agent's 486 (answer timeout %v; %s): %v", realWait, realAnswerTimeout, agentLegDefect, err)
	}
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "receipt", 1, waitLimit)
	if r := onlyReceipt(t, gw); r.Decision != consent.DecisionGranted {
		t.Errorf("receipt says %s, want granted", r.Decision)
	}
	page := gw.Metrics(t)
	if got := gatewaytest.MetricValue(page, `consentgw_target_failures_total{status="486"}`); got != 1 {
		t.Errorf("target failures with 486: %v, want 1 (408: %v)", got, gatewaytest.MetricValue(page, `consentgw_target_failures_total{status="408"}`))
	}
}

// A caller who hangs up while the agent rings: the agent gets the CANCEL (RFC 3261 §9.1)
// and the gateway counts a caller cancel, not a 408 target failure.
func TestRealSIPCallerCancelReachesRingingAgent(t *testing.T) {
	requireRealSIP(t)
	agent := realAgent(t, "manual")
	gw, gwAddr := startRealGateway(t, agent.Addr())
	caller := realCaller(t)

	callGateway(t, caller, gwAddr)
	caller.SendDigit(t, "1")
	if _, err := agent.WaitErr("CALL_INCOMING", realWait); err != nil {
		t.Fatalf("agent never rang (%s): %v", agentLegDefect, err)
	}
	before := gw.Metrics(t)
	caller.Command(t, "hangup", "")
	caller.Wait(t, "CALL_CLOSED", realWait)
	if _, err := agent.WaitErr("CALL_CLOSED", realWait); err != nil {
		t.Fatalf("the ringing agent never got the CANCEL (%s): %v", agentLegDefect, err)
	}
	gw.WaitIdle(t, waitLimit)
	after := gw.Metrics(t)
	const timeouts = `consentgw_target_failures_total{status="408"}`
	if d := gatewaytest.MetricValue(after, timeouts) - gatewaytest.MetricValue(before, timeouts); d != 0 {
		t.Errorf("a caller cancel counted as %v target failure 408 (issue 19 §3: count it as a caller cancel)", d)
	}
	// The caller-cancel series is named by the fix of issue 19 §3; any series naming it must grow.
	if d := cancelSeries(after) - cancelSeries(before); strings.Contains(after, "caller_cancel") && d != 1 {
		t.Errorf("caller_cancel series grew by %v, want 1", d)
	}
}

// cancelSeries sums every series whose labels say caller_cancel.
func cancelSeries(page string) float64 {
	sum := 0.0
	for _, line := range strings.Split(page, "\n") {
		name, _, ok := strings.Cut(line, " ")
		if ok && !strings.HasPrefix(line, "#") && strings.Contains(name, "caller_cancel") {
			sum += gatewaytest.MetricValue(page, name)
		}
	}
	return sum
}

// Hold and resume from both sides (RFC 3264 §8.4): each re-INVITE reaches the other leg
// and the call goes on.
func TestRealSIPHoldAndResumeFromBothSides(t *testing.T) {
	requireRealSIP(t)
	agent := realAgent(t, "auto")
	gw, gwAddr := startRealGateway(t, agent.Addr())
	caller := realCaller(t)

	callGateway(t, caller, gwAddr)
	caller.SendDigit(t, "1")
	waitAgentAnswered(t, agent)
	for _, side := range []struct {
		name        string
		from, other *baresiptest.Phone
	}{{"caller", caller, agent}, {"agent", agent, caller}} {
		for _, cmd := range []string{"hold", "resume"} {
			offers := side.other.Count("CALL_REMOTE_SDP")
			side.from.Command(t, cmd, "")
			if err := waitCount(side.other, "CALL_REMOTE_SDP", offers+1); err != nil {
				t.Fatalf("%s %s: the other leg got no re-INVITE: %v", side.name, cmd, err)
			}
		}
	}
	hangUpAndWait(t, agent, caller)
	gw.WaitIdle(t, waitLimit)
}

// waitCount waits until p has reported n events of typ.
func waitCount(p *baresiptest.Phone, typ string, n int) error {
	for p.Count(typ) < n {
		if _, err := p.WaitErr(typ, realWait); err != nil {
			return err
		}
	}
	return nil
}
