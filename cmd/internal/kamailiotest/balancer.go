package kamailiotest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/sip/testports"
)

// BalancerConfig is the dispatcher configuration this harness runs, the one
// testdata/cluster/cluster.sh runs for a newcomer.
const BalancerConfig = "testdata/cluster/kamailio.cfg"

// Balancer is Kamailio with the dispatcher module in front of several gateways: new
// calls round robin over the nodes it deems active, OPTIONS probes every second, and a
// 503 or an unanswered INVITE fails over to the next node.
type Balancer struct {
	*Proxy
}

// StartBalancer runs the balancer over nodes (host:port each) until the test ends; it
// returns once the balancer answers an OPTIONS.
func StartBalancer(t testing.TB, nodes []string) *Balancer {
	t.Helper()
	Require(t)
	p := &Proxy{ip: "127.0.0.1", port: testports.Port(t, testports.UDP)}
	dir := t.TempDir()
	list := filepath.Join(dir, "dispatcher.list")
	var b strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&b, "1 sip:%s 0 0\n", n)
	}
	if err := os.WriteFile(list, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	p.run(t, dir, filepath.Join(sipptest.RepoRoot(), BalancerConfig), "balancing over "+strings.Join(nodes, ", "),
		"-A", "LISTEN=udp:"+p.Addr(),
		"-A", fmt.Sprintf("DSLIST=%q", list),
		"-A", fmt.Sprintf("PINGFROM=%q", "sip:balancer@"+p.ip),
		"-A", fmt.Sprintf("MPATH=%q", ModuleDir))
	return &Balancer{Proxy: p}
}

// Up reports whether the balancer's last word on node (host:port) is that it is active:
// it starts so, a failed probe or call takes it out, a good probe puts it back.
func (b *Balancer) Up(node string) bool {
	log := b.Log()
	return strings.LastIndex(log, NodeDown(node)+"\n") <= strings.LastIndex(log, NodeUp(node)+"\n")
}

// WaitUp waits until the balancer deems node up (or, with up false, down).
func (b *Balancer) WaitUp(t testing.TB, node string, up bool, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for b.Up(node) != up {
		if time.Now().After(deadline) {
			t.Fatalf("kamailio did not mark %s up=%v within %v", node, up, timeout)
		}
		time.Sleep(probeEvery)
	}
}

// Count is how many log lines so far contain s, e.g. "balancer: node down sip:127.0.0.1:5071".
func (b *Balancer) Count(s string) int { return strings.Count(b.Log(), s) }

// WaitCount waits until at least n log lines contain s.
func (b *Balancer) WaitCount(t testing.TB, s string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for b.Count(s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("kamailio logged %q %d times within %v, want %d", s, b.Count(s), timeout, n)
		}
		time.Sleep(probeEvery)
	}
}

// NodeDown is the log line of the balancer taking node (host:port) out.
func NodeDown(node string) string { return "balancer: node down sip:" + node }

// NodeUp is the log line of the balancer putting node back.
func NodeUp(node string) string { return "balancer: node up sip:" + node }

// Routed is the log line of an INVITE sent to node.
func Routed(node string) string { return "balancer: INVITE to sip:" + node }
