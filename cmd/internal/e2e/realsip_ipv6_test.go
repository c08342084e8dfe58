package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
)

// The gateway runs as its own process here: the defect of issue 19 §2 is a panic,
// which would take the whole test binary down with it.

const ipv6Defect = "issue 19 §2: an offer with c=IN IP6 panics in sip/media (As4 called on IPv6 address) and kills the process"

// startGatewayProcess runs the gateway as a process with its route to agentAddr.
func startGatewayProcess(t *testing.T, cfg *config.Config) *gatewaytest.Process {
	t.Helper()
	return gatewaytest.StartProcess(t, cfg)
}

// assertAlive fails when the gateway process has logged a panic.
func assertAlive(t *testing.T, gw *gatewaytest.Process) {
	t.Helper()
	if logs := gw.Logs(); strings.Contains(logs, "panic:") {
		i := strings.Index(logs, "panic:")
		t.Fatalf("the gateway panicked (%s):\n%s", ipv6Defect, logs[i:min(len(logs), i+2000)])
	}
}

// An IPv6 offer to a gateway without an IPv6 media address gets 488, and the gateway
// keeps serving: an IPv4 call after it bridges.
func TestRealSIPIPv6OfferWithoutIPv6MediaGets488(t *testing.T) {
	requireRealSIP(t)
	agent := realAgent(t, "auto")
	gw := startGatewayProcess(t, gatewaytest.Config(t, realRoute(agent.Addr())))

	refused := sipptest.Start(t, sipptest.Options{Scenario: "caller_ip6_refused.xml", Remote: gw.Addr(), Timeout: realWait,
		Keys: map[string]string{"caller": callerNumber, "callee": calledNumber, "pt": pcmu.pt, "codec": pcmu.codec}})
	res := refused.Wait()
	assertAlive(t, gw)
	if res.ExitCode != 0 {
		t.Errorf("IPv6 offer did not get 488: %s", res)
	}

	caller := realCaller(t)
	callGateway(t, caller, gw.Addr())
	caller.SendDigit(t, "1")
	if _, err := agent.WaitErr("CALL_ESTABLISHED", realWait); err != nil {
		assertAlive(t, gw)
		t.Fatalf("an IPv4 call after the IPv6 offer never bridged (%s): %v", agentLegDefect, err)
	}
	hangUpAndWait(t, caller, agent)
}

// With an IPv6 address in media.ip beside the IPv4 one (dual-stack), an IPv6 offer is
// answered and bridged to an IPv4 agent, consent taken by SIP INFO.
func TestRealSIPIPv6OfferWithDualStackMediaIsBridged(t *testing.T) {
	requireRealSIP(t)
	agent := realAgent(t, "auto")
	cfg := gatewaytest.Config(t, realRoute(agent.Addr()))
	setDualStackMedia(t, cfg, "127.0.0.1", "::1")
	gw := startGatewayProcess(t, cfg)

	caller := sipptest.Start(t, sipptest.Options{Scenario: "caller_info_ip6.xml", Remote: gw.Addr(), Timeout: waitLimit,
		Keys: map[string]string{"caller": callerNumber, "callee": calledNumber, "pt": pcmu.pt, "codec": pcmu.codec,
			"digit_delay": "300", "digit": "1", "hold": "2000"}})
	if _, err := agent.WaitErr("CALL_ESTABLISHED", realWait); err != nil {
		assertAlive(t, gw)
		t.Fatalf("the IPv6 caller was never bridged to the agent: %v", err)
	}
	res := caller.Wait()
	assertAlive(t, gw)
	if res.ExitCode != 0 {
		t.Fatalf("IPv6 caller failed: %s", res)
	}
	agent.Wait(t, "CALL_CLOSED", realWait)
	receipts, _ := filepath.Glob(filepath.Join(cfg.ObjectDir(), "consent", "*"))
	if len(receipts) == 0 {
		entries, _ := os.ReadDir(cfg.ObjectDir())
		t.Errorf("no consent receipt stored for the IPv6 call (objects: %v)", entries)
	}
}

// setDualStackMedia sets media.ip to one IPv4 and one IPv6 address through the YAML
// schema, whichever form it takes (a list, or one string of both), and fails naming the
// missing feature when the config does not accept it.
func setDualStackMedia(t *testing.T, cfg *config.Config, v4, v6 string) {
	t.Helper()
	forms := []string{
		"ip: [\"" + v4 + "\", \"" + v6 + "\"]",
		"ip: \"" + v4 + "," + v6 + "\"",
	}
	var errs []string
	for _, form := range forms {
		media := cfg.Media
		if err := yaml.Unmarshal([]byte(form), &media); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		saved := cfg.Media
		cfg.Media = media
		if err := cfg.Validate(); err != nil {
			cfg.Media = saved
			errs = append(errs, err.Error())
			continue
		}
		return
	}
	t.Fatalf("media.ip does not accept both %s and %s (issue 19 §2, dual-stack media.ip not there yet): %s", v4, v6, strings.Join(errs, "; "))
}
