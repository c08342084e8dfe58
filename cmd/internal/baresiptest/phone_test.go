package baresiptest

import (
	"testing"
	"time"
)

const waitLimit = 20 * time.Second

// Two phones call each other directly: the harness dials, sends a digit, holds,
// resumes and hangs up, and each step shows as the other phone's event.
func TestPhonesCallEachOther(t *testing.T) {
	if testing.Short() {
		t.Skip("runs baresip")
	}
	caller := Start(t, Options{User: "caller", Tone: 440})
	agent := Start(t, Options{User: "agent", Tone: 1000, AnswerMode: "auto"})

	caller.Dial(t, agent.URI())
	agent.Wait(t, "CALL_ESTABLISHED", waitLimit)
	caller.Wait(t, "CALL_ESTABLISHED", waitLimit)

	caller.SendDigit(t, "1")
	if ev := agent.Wait(t, "CALL_DTMF_START", waitLimit); ev.Param != "1" {
		t.Errorf("agent got digit %q, want 1", ev.Param)
	}

	caller.Command(t, "hold", "")
	agent.Wait(t, "CALL_REMOTE_SDP", waitLimit) // the initial offer
	agent.Wait(t, "CALL_REMOTE_SDP", waitLimit) // the hold re-INVITE
	caller.Command(t, "resume", "")
	agent.Wait(t, "CALL_REMOTE_SDP", waitLimit)

	agent.Command(t, "hangup", "")
	caller.Wait(t, "CALL_CLOSED", waitLimit)
	agent.Wait(t, "CALL_CLOSED", waitLimit)
}
