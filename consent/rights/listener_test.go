package rights

import (
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
)

const waitLimit = 30 * time.Second

// natsServer runs an in-process NATS server with JetStream and the gateway's streams.
func natsServer(t *testing.T) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(waitLimit) {
		t.Fatal("NATS server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	nc, js := jetstreamtest.Connect(t, srv.ClientURL())
	for _, cfg := range []jetstream.StreamConfig{
		{Name: Stream, Subjects: []string{RequestPrefix + ">"}, Retention: jetstream.WorkQueuePolicy},
		{Name: audit.Stream, Subjects: []string{audit.SubjectPrefix + ">"}},
	} {
		if _, err := js.CreateOrUpdateStream(t.Context(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	return nc, js
}

// counter is a LocalDiscarder that counts the keys it was asked about.
type counter struct {
	mu   sync.Mutex
	keys []string
	n    int
}

func (c *counter) DiscardSubject(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys = append(c.keys, key)
	return c.n
}

func (c *counter) asked() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.keys...)
}

// node is one gateway's rights listener on the shared store.
type node struct {
	live, spool *counter
	events      *audit.Publisher
}

func startNode(t *testing.T, nc *nats.Conn, js jetstream.JetStream, st storage.Store, name string) *node {
	t.Helper()
	return startNodeWith(t, nc, js, st, name, nil)
}

// startNodeWith is startNode with request keys: signatures are required when v has any.
func startNodeWith(t *testing.T, nc *nats.Conn, js jetstream.JetStream, st storage.Store, name string, v Verifier) *node {
	t.Helper()
	n := &node{live: &counter{n: 1}, spool: &counter{}}
	n.events = audit.New(audit.Options{JS: js, Node: name})
	svc, err := New(Options{Store: st, Pseudonyms: pseudonyms(t), DefaultRegion: "DK", Events: n.events,
		Discard: Broadcast{Conn: nc}, Node: name, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen(ListenOptions{Conn: nc, JS: js, Service: svc, Events: n.events, Node: name, LiveCalls: n.live, Spool: n.spool, Verifier: v, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			t.Error(err)
		}
		n.events.Close(ctx)
	})
	return n
}

func request(t *testing.T, nc *nats.Conn, subj, body string) map[string]any {
	t.Helper()
	msg, err := nc.Request(subj, []byte(body), waitLimit)
	if err != nil {
		t.Fatalf("request on %s: %v", subj, err)
	}
	var reply map[string]any
	if err := json.Unmarshal(msg.Data, &reply); err != nil {
		t.Fatalf("reply %q: %v", msg.Data, err)
	}
	return reply
}

// nextEvent waits for the next audit event of kind.
func nextEvent(t *testing.T, cons jetstream.Consumer) audit.Event {
	t.Helper()
	msg, err := cons.Next(jetstream.FetchMaxWait(waitLimit))
	if err != nil {
		t.Fatalf("waiting for an audit event: %v", err)
	}
	var ev audit.Event
	if err := json.Unmarshal(msg.Data(), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func eventsOf(t *testing.T, js jetstream.JetStream, kind string) jetstream.Consumer {
	t.Helper()
	cons, err := js.OrderedConsumer(t.Context(), audit.Stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{audit.Subject(kind)}})
	if err != nil {
		t.Fatal(err)
	}
	return cons
}

func TestRPCEraseReachesEveryNodeAndRepliesWithTheResult(t *testing.T) {
	nc, js := natsServer(t)
	st := localStore(t)
	people(t, st)
	a := startNode(t, nc, js, st, "node-a")
	b := startNode(t, nc, js, st, "node-b")
	aliceKey := keyOf(t, subject.TypeTel, aliceNumber)

	reply := request(t, nc, RPCPrefix+"erase", `{"request_id":"rpc-1","subject":{"type":"tel","value":"+45 12 34 56 78"},"requested_by":"crm"}`)
	if reply["status"] != StatusCompleted || reply["recordings_deleted"] != 2.0 || reply["receipts_deleted"] != 3.0 || reply["index_entries_deleted"] != 6.0 {
		t.Fatalf("reply %v", reply)
	}
	if reply["live_recordings_discarded"] != 2.0 {
		t.Errorf("live recordings discarded %v, want one per node", reply["live_recordings_discarded"])
	}
	for name, n := range map[string]*node{"a": a, "b": b} {
		if got := n.live.asked(); len(got) != 1 || got[0] != aliceKey {
			t.Errorf("node %s live calls asked about %v", name, got)
		}
		if got := n.spool.asked(); len(got) != 1 || got[0] != aliceKey {
			t.Errorf("node %s spool asked about %v", name, got)
		}
	}
	ev := nextEvent(t, eventsOf(t, js, audit.KindSubjectErased))
	if strings.Contains(string(ev.Data), "4512345678") || !strings.Contains(string(ev.Data), aliceKey) {
		t.Errorf("subject.erased %s: want the pseudonym, never the number", ev.Data)
	}
	again := request(t, nc, RPCPrefix+"erase", `{"request_id":"rpc-1","subject":{"type":"tel","value":"+4512345678"}}`)
	if again["completed_at"] != reply["completed_at"] || again["recordings_deleted"] != 2.0 {
		t.Fatalf("repeat %v, want the first result %v", again, reply)
	}
}

func TestMalformedRequestsAreRejectedAndAudited(t *testing.T) {
	nc, js := natsServer(t)
	st := localStore(t)
	_, bob := people(t, st)
	startNode(t, nc, js, st, "node-a")
	rejected := eventsOf(t, js, audit.KindRequestRejected)
	cases := []struct{ name, subj, body string }{
		{"not JSON", RPCPrefix + "erase", `erase +4512345678 please`},
		{"missing subject", RPCPrefix + "erase", `{"request_id":"m1"}`},
		{"wrong type", RPCPrefix + "export", `{"request_id":"m2","subject":{"type":"tel","value":45}}`},
		{"unknown subject type", RPCPrefix + "erase", `{"request_id":"m3","subject":{"type":"email","value":"a@b"}}`},
		{"unknown verb", RPCPrefix + "delete", `{"request_id":"m4","subject":{"type":"tel","value":"+4587654321"}}`},
		{"not a number", RPCPrefix + "erase", `{"request_id":"m5","subject":{"type":"tel","value":"call me"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply := request(t, nc, tc.subj, tc.body)
			if reply["status"] != StatusRejected || reply["error"] == "" {
				t.Fatalf("reply %v, want rejected with an error", reply)
			}
			ev := nextEvent(t, rejected)
			if ev.Kind != audit.KindRequestRejected || strings.Contains(string(ev.Data), "4512345678") || strings.Contains(string(ev.Data), "4587654321") {
				t.Fatalf("event %+v", ev)
			}
		})
	}
	for _, k := range []string{bob[0].recordingKey(), bob[0].receiptKey()} {
		if !exists(t, st, k) {
			t.Fatalf("a rejected request deleted %s", k)
		}
	}
	if reply := request(t, nc, RPCPrefix+"erase", `{"request_id":"ok","subject":{"type":"tel","value":"+4587654321"}}`); reply["status"] != StatusCompleted {
		t.Fatalf("the gateway stopped serving after bad input: %v", reply)
	}
}

func TestDurableRequestPublishedWhileNoGatewayRunsIsDoneAtStart(t *testing.T) {
	nc, js := natsServer(t)
	st := localStore(t)
	alice, _ := people(t, st)
	erased := eventsOf(t, js, audit.KindSubjectErased)
	rejected := eventsOf(t, js, audit.KindRequestRejected)
	for _, body := range []string{
		`{"request_id":"durable-1","subject":{"type":"tel","value":"+4512345678"}}`,
		`{"request_id":"durable-bad","subject":"nope"}`,
	} {
		if _, err := js.Publish(t.Context(), RequestPrefix+"erase", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	startNode(t, nc, js, st, "node-a")

	ev := nextEvent(t, erased)
	var res EraseResult
	if err := json.Unmarshal(ev.Data, &res); err != nil || res.RequestID != "durable-1" || res.RecordingsDeleted != 2 {
		t.Fatalf("subject.erased %s (%v)", ev.Data, err)
	}
	if exists(t, st, alice[0].recordingKey()) {
		t.Fatal("alice's recording survived the durable erase")
	}
	if ev := nextEvent(t, rejected); !strings.Contains(string(ev.Data), "durable-bad") {
		t.Fatalf("request.rejected %s", ev.Data)
	}
	waitStreamEmpty(t, js)

	// Redelivered or sent again: the same result, nothing more deleted.
	if _, err := js.Publish(t.Context(), RequestPrefix+"erase", []byte(`{"request_id":"durable-1","subject":{"type":"tel","value":"+4512345678"}}`)); err != nil {
		t.Fatal(err)
	}
	var again EraseResult
	if err := json.Unmarshal(nextEvent(t, erased).Data, &again); err != nil || !reflect.DeepEqual(again, res) {
		t.Fatalf("repeat %+v, want %+v", again, res)
	}
	waitStreamEmpty(t, js)
}

// waitStreamEmpty waits until every durable request was acknowledged (a work queue
// drops a message when it is acked).
func waitStreamEmpty(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitLimit)
	for {
		s, err := js.Stream(t.Context(), Stream)
		if err != nil {
			t.Fatal(err)
		}
		if s.CachedInfo().State.Msgs == 0 {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%d durable requests still unacknowledged", s.CachedInfo().State.Msgs)
		}
	}
}

func TestRPCExportRepliesWithALinkAndChecksum(t *testing.T) {
	nc, js := natsServer(t)
	st := localStore(t)
	people(t, st)
	startNode(t, nc, js, st, "node-a")
	reply := request(t, nc, RPCPrefix+"export", `{"request_id":"exp-1","subject":{"type":"tel","value":"+4512345678"},"expires":"1h"}`)
	if reply["status"] != StatusCompleted || reply["object"] != "exports/exp-1.zip" || reply["recordings"] != 2.0 || reply["receipts"] != 3.0 {
		t.Fatalf("reply %v", reply)
	}
	if u, _ := reply["url"].(string); !strings.HasPrefix(u, "file://") || len(reply["sha256"].(string)) != 64 {
		t.Fatalf("reply %v: want a file:// url and a sha256", reply)
	}
}
