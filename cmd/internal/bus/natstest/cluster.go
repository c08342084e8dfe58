package natstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/sip/proctest"
)

// Cluster is a JetStream cluster of nats-server processes on loopback ports, each with its
// own store, routed to each other: what a deployment of several gateways runs on.
type Cluster struct {
	Servers []*Server
	// URL lists every server's client address, comma-separated, as nats.url takes it.
	URL string
}

// StartCluster runs n nats-server processes (3 or 5 for a JetStream cluster) as one
// cluster until the test ends, and returns once each of them answers JetStream requests
// (a meta leader is elected). Server i is named "n<i+1>".
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test runs nats-server (the fast tier runs no outside binary)")
	}
	dir := t.TempDir()
	bin := findBinary(t)
	routes := make([]string, n)
	c := &Cluster{}
	for i := range n {
		routes[i] = "nats-route://" + freeAddr(t)
	}
	urls := make([]string, n)
	for i := range n {
		sdir := filepath.Join(dir, fmt.Sprintf("n%d", i+1))
		if err := os.MkdirAll(sdir, 0o700); err != nil {
			t.Fatal(err)
		}
		s := &Server{bin: bin, addr: freeAddr(t), storeDir: filepath.Join(sdir, "js"), logPath: filepath.Join(sdir, "nats.log"),
			config: filepath.Join(sdir, "nats.conf")}
		s.URL = "nats://" + s.addr
		if err := os.WriteFile(s.config, []byte(clusterConfig(i, routes)), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Stop)
		c.Servers = append(c.Servers, s)
		urls[i] = s.URL
	}
	c.URL = strings.Join(urls, ",")
	// All are launched before any is awaited: JetStream answers once a majority of the
	// cluster has elected its meta leader.
	procs := make([]*proctest.Proc, n)
	for i, s := range c.Servers {
		procs[i] = s.launch(t)
	}
	for i, s := range c.Servers {
		s.awaitReady(t, procs[i])
	}
	return c
}

// clusterConfig is server i's file: its name and the routes to every member (its own
// route included, which nats-server ignores).
func clusterConfig(i int, routes []string) string {
	quoted := make([]string, len(routes))
	for j, r := range routes {
		quoted[j] = `"` + r + `"`
	}
	return fmt.Sprintf("server_name: \"n%d\"\ncluster {\n  name: \"consentgw-test\"\n  listen: %q\n  routes: [%s]\n}\n",
		i+1, strings.TrimPrefix(routes[i], "nats-route://"), strings.Join(quoted, ", "))
}

// Name is server i's server_name, as JetStream names a stream's leader and replicas.
func (c *Cluster) Name(i int) string { return fmt.Sprintf("n%d", i+1) }

// Index is the position of the server named name, or -1.
func (c *Cluster) Index(name string) int {
	for i := range c.Servers {
		if c.Name(i) == name {
			return i
		}
	}
	return -1
}

// Connect opens a client connection to the whole cluster, closed at the end of the test;
// it reconnects to another server when its own goes away.
func (c *Cluster) Connect(t testing.TB) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(c.URL, nats.MaxReconnects(-1), nats.ReconnectWait(pollInterval))
	if err != nil {
		t.Fatalf("connecting to %s: %v", c.URL, err)
	}
	t.Cleanup(nc.Close)
	return nc
}
