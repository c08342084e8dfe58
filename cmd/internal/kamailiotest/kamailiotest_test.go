package kamailiotest

import (
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/baresiptest"
)

const waitLimit = 20 * time.Second

// A call between two baresip phones through the proxy: it bridges, and the BYE passes
// the proxy on the recorded route.
func TestProxyRelaysACallBetweenPhones(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kamailio and baresip")
	}
	agent := baresiptest.Start(t, baresiptest.Options{User: "agent", Tone: 1000, AnswerMode: "auto"})
	proxy := Start(t, Options{NextHop: agent.Addr()})
	caller := baresiptest.Start(t, baresiptest.Options{User: "caller", Tone: 440})

	caller.Dial(t, "sip:agent@"+proxy.Addr())
	agent.Wait(t, "CALL_ESTABLISHED", waitLimit)
	caller.Wait(t, "CALL_ESTABLISHED", waitLimit)
	caller.Command(t, "hangup", "")
	agent.Wait(t, "CALL_CLOSED", waitLimit)
	caller.Wait(t, "CALL_CLOSED", waitLimit)
	if n := proxy.Requests("BYE"); n == 0 {
		t.Errorf("the BYE did not pass the proxy:\n%s", proxy.Log())
	}
}
