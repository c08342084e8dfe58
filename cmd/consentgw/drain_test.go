package main

import (
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/sip/testports"
)

// consentgw drain takes an idle gateway out of service: /readyz fails from then on, and
// the drain finishes at once (no call, nothing spooled).
func TestDrainCommandTakesTheGatewayOutOfService(t *testing.T) {
	gw := gatewaytest.Start(t, nil)
	code, out, stderr := runCLI("drain", "--http", gw.HTTPAddr(), "--wait=false")
	if code != exitOK || !strings.Contains(out, "node test-node draining: 0 calls in progress, 0 jobs in the spool") {
		t.Fatalf("drain: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	select {
	case <-gw.Drained():
	case <-time.After(10 * time.Second):
		t.Fatal("an idle gateway did not finish draining")
	}
	res, err := http.Get("http://" + gw.HTTPAddr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while draining answered %d, want 503", res.StatusCode)
	}
}

func TestDrainWithoutAGatewayFailsWithOneLine(t *testing.T) {
	port := testports.Port(t, testports.TCP)
	code, _, stderr := runCLI("drain", "--http", "127.0.0.1:"+strconv.Itoa(port))
	if code != exitFailed || !strings.Contains(stderr, "consentgw drain: asking 127.0.0.1:") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestLocalAddrDialsWildcardListenersOnLoopback(t *testing.T) {
	for listen, want := range map[string]string{
		"0.0.0.0:8080":   "127.0.0.1:8080",
		"[::]:8080":      "[::1]:8080",
		":8080":          "127.0.0.1:8080",
		"10.0.0.5:8080":  "10.0.0.5:8080",
		"127.0.0.1:9090": "127.0.0.1:9090",
	} {
		if got := localAddr(listen); got != want {
			t.Errorf("localAddr(%q) = %q, want %q", listen, got, want)
		}
	}
}

// kill -USR1 drains a running gateway: with no call in progress it stops at once, and
// exits 0 as a clean stop does.
func TestSIGUSR1DrainsAndExits(t *testing.T) {
	gw := gatewaytest.StartProcess(t, gatewaytest.Config(t, nil))
	gw.Signal(t, syscall.SIGUSR1)
	if code := gw.WaitExit(t, 60*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGUSR1:\n%s", code, gw.Logs())
	}
	if logs := gw.Logs(); !strings.Contains(logs, `msg="drained: stopping" node=test-node`) {
		t.Fatalf("no drain in the log:\n%s", logs)
	}
}
