// Package jetstreamtest runs an in-process nats-server with JetStream for the tests of
// the services that speak NATS (the audit trail, call control, the call registry, the
// rights service): a real server, nothing to install, gone when the test ends. Tests
// that stop, freeze or cluster the server run the binary instead
// (cmd/internal/bus/natstest).
package jetstreamtest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// readyTimeout bounds the server's start.
const readyTimeout = 10 * time.Second

// Start runs a server with JetStream on a loopback port the kernel picks, its store in
// the test's temp dir, and returns a connection to it and its JetStream context; the
// connection is closed and the server shut down when the test ends.
func Start(t testing.TB) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(readyTimeout) {
		t.Fatalf("in-process nats-server not ready within %v", readyTimeout)
	}
	return Connect(t, srv.ClientURL())
}

// Connect opens a connection to the NATS server at url, closed when the test ends, and
// its JetStream context.
func Connect(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}
