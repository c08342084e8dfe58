package bus

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/cmd/internal/bus/natstest"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/rights"
)

// On a three-server cluster, nats.replicas 3 gives both streams three replicas, and a
// gateway of an earlier single-replica setup has its streams scaled up at start.
func TestStreamsGetTheConfiguredReplicasOnACluster(t *testing.T) {
	c := natstest.StartCluster(t, 3)
	first, err := Open(Options{URL: c.URL, Name: "a", Streams: StreamSettings{Replicas: 1}})
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	b, err := Open(Options{URL: c.URL, Name: "b", Streams: StreamSettings{Replicas: 3}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, name := range []string{rights.Stream, audit.Stream} {
		info := waitReplicated(t, b.JS, name)
		if info.Config.Replicas != 3 {
			t.Errorf("%s: %d replicas configured, want 3", name, info.Config.Replicas)
		}
	}
}

// waitReplicated waits until the stream has a leader and two current replicas: scaling
// an existing stream up elects them after the update returns.
func waitReplicated(t *testing.T, js jetstream.JetStream, name string) *jetstream.StreamInfo {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := js.Stream(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		info := s.CachedInfo()
		if c := info.Cluster; c != nil && c.Leader != "" && len(c.Replicas) == 2 && c.Replicas[0].Current && c.Replicas[1].Current {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no leader with two current replicas within 30s: %+v", name, info.Cluster)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Three replicas asked of a single server fail the start with a message that says what
// is missing.
func TestReplicasBeyondTheServersFailTheStartClearly(t *testing.T) {
	srv := natstest.Start(t)
	_, err := Open(Options{URL: srv.URL, Name: "a", Streams: StreamSettings{Replicas: 3}})
	if err == nil || !strings.Contains(err.Error(), "needs a JetStream cluster of at least 3 servers") {
		t.Fatalf("Open = %v, want the replicas explained", err)
	}
}

// A stream of the gateway's name with another retention is not silently replaced: the
// start fails and says how to fix it.
func TestStreamWithOtherRetentionFailsTheStart(t *testing.T) {
	srv := natstest.Start(t)
	js, err := jetstream.New(srv.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(t.Context(), jetstream.StreamConfig{Name: rights.Stream, Subjects: []string{rights.RequestPrefix + ">"}}); err != nil {
		t.Fatal(err)
	}
	_, err = Open(Options{URL: srv.URL, Name: "a"})
	if !errors.Is(err, ErrStreamMismatch) || !strings.Contains(err.Error(), "nats stream rm "+rights.Stream) {
		t.Fatalf("Open = %v, want %v naming the fix", err, ErrStreamMismatch)
	}
}
