package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/cmd/internal/clustertest"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/callctl/registry"
	"github.com/consentgw/consentgw/consent/keystore"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/sip/proctest"
)

// Two gateways behind Kamailio's dispatcher, on a JetStream cluster of three nats-server
// processes (nats.replicas 3) and MinIO in distributed mode (two processes of two
// drives), all on loopback (issue 18). One cluster serves every check, in order; each
// check calls from its own numbers, so their subjects stay apart.
func TestClusterOfGatewaysBehindKamailio(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := sipptest.Start(t, sipptest.Options{Scenario: "agent.xml", Calls: 1000, Timeout: 15 * time.Minute,
		Keys: map[string]string{"consent": "granted", "pt": pcmu.pt, "codec": pcmu.codec, "audio": pcmu.stream("agent-1000hz", -1)}})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := agent.Ready(ctx); err != nil {
		t.Fatalf("agent not ready: %v", err)
	}
	c := clustertest.Start(t, clustertest.Options{Agent: agent.Addr()})
	a, b := c.Nodes[0], c.Nodes[1]
	t.Cleanup(func() {
		if t.Failed() { // the nodes' own account of what went wrong
			for _, n := range c.Nodes {
				t.Logf("%s log (last lines):\n%s", n.Config.NodeName, proctest.Tail(n.Logs()))
			}
		}
	})
	bal := c.Balancer
	s3 := c.S3(t)
	nc, js := c.JetStream(t)

	t.Run("1 calls spread over both nodes, each stored once", func(t *testing.T) {
		const number = "+4511000001"
		mustSucceed(t, "callers", clusterCalls(t, bal.Addr(), number, 4, 1500))
		calls := waitRecorded(t, s3, subjectKey(t, c, number), 4)
		if got := gatewaysOf(calls); !slices.Equal(got, []string{"gw-a", "gw-b"}) {
			t.Errorf("calls taken by %v, want both nodes", got)
		}
		// Every job done (its spool file goes after its last object), then count versions.
		waitIdle(t, a)
		waitIdle(t, b)
		assertStoredOnce(t, s3, calls)
	})

	t.Run("2 an erase sent to A stops the subject's call live on B", func(t *testing.T) {
		const number = "+4511000002"
		caller := clusterCalls(t, b.Addr(), number, 1, 6000)
		id := liveCallID(t, b)
		var res rights.EraseResult
		request(t, nc, rights.NodeRPCSubject(rights.VerbErase, "gw-a"), `{"request_id":"cluster-erase-live","subject":{"type":"tel","value":"`+number+`"}}`, &res)
		if res.Status != rights.StatusCompleted || res.LiveRecordingsDiscarded != 1 || !slices.Contains(res.Nodes, "gw-b") {
			t.Fatalf("erase result %+v: want completed, B's live recording discarded, B among the nodes", res)
		}
		if done := eventIDs(t, events(t, js, audit.KindSubjectErased))["cluster-erase-live"]; !slices.Equal(done, []string{"gw-a"}) {
			t.Errorf("the erase was done by %v, want gw-a", done)
		}
		mustSucceed(t, "caller", caller)
		waitIdle(t, b)
		if left := bucketVersions(t, s3, id, res.SubjectKey); len(left) != 0 {
			t.Fatalf("after the erase the bucket still holds %v", left)
		}
	})

	t.Run("3 withdraw and pause reach the node that holds the call", func(t *testing.T) {
		const paused, withdrawn = "+4511000003", "+4511000004"
		onB := clusterCalls(t, b.Addr(), paused, 1, 6000)
		onA := clusterCalls(t, a.Addr(), withdrawn, 1, 6000)
		idB, idA := liveCallID(t, b), liveCallID(t, a)
		for _, cmd := range []struct {
			id   string
			verb consent.Verb
		}{{idB, consent.VerbPause}, {idB, consent.VerbResume}, {idA, consent.VerbWithdraw}} {
			if r := control(t, nc, cmd.id, cmd.verb); r.Status != "ok" {
				t.Fatalf("%s of %s: %+v", cmd.verb, cmd.id, r)
			}
		}
		mustSucceed(t, "caller on B", onB)
		mustSucceed(t, "caller on A", onA)
		waitIdle(t, a)
		waitIdle(t, b)
		if by := eventIDs(t, events(t, js, "recording.paused"))[idB]; !slices.Equal(by, []string{"gw-b"}) {
			t.Errorf("pause of B's call done by %v", by)
		}
		if by := eventIDs(t, events(t, js, "consent.withdrawn"))[idA]; !slices.Equal(by, []string{"gw-a"}) {
			t.Errorf("withdrawal of A's call done by %v", by)
		}
		if r := storedCalls(t, s3, subjectKey(t, c, paused))[idB]; r.Recording == nil {
			t.Errorf("the paused call's receipt %+v has no recording", r)
		}
		if r := storedCalls(t, s3, subjectKey(t, c, withdrawn))[idA]; r.Decision != consent.DecisionWithdrawn || r.Recording != nil {
			t.Errorf("the withdrawn call's receipt %+v: want withdrawn, no recording", r)
		}
		if wav := append(bucketVersions(t, s3, idA+".wav"), bucketVersions(t, s3, idA+".sealed")...); len(wav) != 0 {
			t.Errorf("the withdrawn call's audio was stored: %v", wav)
		}
	})

	t.Run("4 a durable erase published while both nodes are down is done once", func(t *testing.T) {
		key := subjectKey(t, c, "+4511000001")
		a.Stop(t)
		b.Stop(t)
		publishDurable(t, js, "cluster-durable-1", "+4511000001")
		a.Start(t)
		b.Start(t)
		var done []string
		clusterPoll(t, "the durable erase done", func() bool {
			done = eventIDs(t, events(t, js, audit.KindSubjectErased))["cluster-durable-1"]
			return len(done) > 0
		})
		// Acknowledged, so gone from the work queue: nothing can deliver it again.
		clusterPoll(t, "the request acknowledged", func() bool { return requestsLeft(t, js) == 0 })
		if done = eventIDs(t, events(t, js, audit.KindSubjectErased))["cluster-durable-1"]; len(done) != 1 {
			t.Errorf("the durable erase was done %d times (by %v), want once", len(done), done)
		}
		if left := bucketVersions(t, s3, key); len(left) != 0 {
			t.Errorf("after the durable erase the bucket still holds %v", left)
		}
		bal.WaitUp(t, a.Addr(), true, clusterWait)
		bal.WaitUp(t, b.Addr(), true, clusterWait)
	})

	t.Run("5 a NATS server killed during calls loses no request and no event", func(t *testing.T) {
		const number = "+4511000005"
		callers := clusterCalls(t, bal.Addr(), number, 2, 5000)
		clusterPoll(t, "both calls recording", func() bool {
			return nodeStatus(t, a).ActiveCalls+nodeStatus(t, b).ActiveCalls == 2
		})
		leader := streamLeader(t, js, audit.Stream)
		killed := c.NATS.Servers[c.NATS.Index(leader)]
		killed.Stop()
		defer func() {
			killed.Restart(t)
			// The next checks start once every stream and bucket has all its replicas
			// back and current: what a rolling restart of NATS waits for too.
			streamsCurrent(t, js, rights.Stream, audit.Stream, "KV_"+registry.Bucket, "KV_"+keystore.Bucket)
		}()
		t.Logf("killed %s, leader of %s", leader, audit.Stream)
		var requests []string
		for i := range 3 {
			id := "cluster-outage-" + strconv.Itoa(i+1)
			publishDurable(t, js, id, "+451900000"+strconv.Itoa(i+1))
			requests = append(requests, id)
		}
		mustSucceed(t, "callers", callers)
		calls := waitRecorded(t, s3, subjectKey(t, c, number), 2)
		clusterPoll(t, "every call's events and every request's result in the trail", func() bool {
			captured := polledIDs(t, js, "consent.captured")
			stored := polledIDs(t, js, "recording.stored")
			erased := polledIDs(t, js, audit.KindSubjectErased)
			for id := range calls {
				if len(captured[id]) != 1 || len(stored[id]) != 1 {
					return false
				}
			}
			for _, id := range requests {
				if len(erased[id]) != 1 {
					return false
				}
			}
			return true
		})
	})

	t.Run("6 a drained node finishes its calls and exits while new calls go to the other", func(t *testing.T) {
		const held, fresh = "+4511000006", "+4511000007"
		onB := clusterCalls(t, b.Addr(), held, 1, 5000)
		liveCallID(t, b)
		defer func() {
			if !b.Running() {
				b.Start(t)
			}
			bal.WaitUp(t, b.Addr(), true, clusterWait)
		}()
		// The operator's command on B's host, waiting for B to be done.
		var out bytes.Buffer
		drain := exec.Command(gatewaytest.Binary(t), "drain", "--http", b.Config.HTTP.Listen)
		drain.Stdout, drain.Stderr = &out, &out
		if err := drain.Start(); err != nil {
			t.Fatal(err)
		}
		drained := make(chan error, 1)
		go func() { drained <- drain.Wait() }()
		bal.WaitUp(t, b.Addr(), false, clusterWait)
		mustSucceed(t, "new callers", clusterCalls(t, bal.Addr(), fresh, 2, 1000))
		mustSucceed(t, "caller on B", onB)
		if code := b.WaitExit(t, clusterWait); code != 0 {
			t.Fatalf("drained node exited %d:\n%s", code, b.Logs())
		}
		if err := <-drained; err != nil || !strings.Contains(out.String(), "node gw-b drained and stopped") {
			t.Errorf("consentgw drain: %v\n%s", err, out.String())
		}
		if got := gatewaysOf(waitRecorded(t, s3, subjectKey(t, c, fresh), 2)); !slices.Equal(got, []string{"gw-a"}) {
			t.Errorf("calls during the drain taken by %v, want gw-a only", got)
		}
		if got := gatewaysOf(waitRecorded(t, s3, subjectKey(t, c, held), 1)); !slices.Equal(got, []string{"gw-b"}) {
			t.Errorf("B's call stored as taken by %v", got)
		}
	})

	t.Run("7 a node killed mid-call stores the repaired recording when it restarts", func(t *testing.T) {
		const cut, meanwhile = "+4511000008", "+4511000009"
		clusterCalls(t, b.Addr(), cut, 1, 8000) // fails: B dies under it
		// 4.1 s of each party's stream on disk: the recorder writes the caller's chunk and
		// then the agent's, and a kill between the two leaves the recording the shorter.
		for _, party := range []string{"caller", "agent"} {
			waitFile(t, b.Config.SpoolDir()+"/*."+party+".age", sealing.ChunkBytes+16, clusterWait)
		}
		b.Kill()
		defer func() {
			if !b.Running() {
				b.Start(t)
			}
		}()
		// B's audio of the call waits in its spool: an erase of the caller cannot be
		// complete while B is away, so it fails (a durable one is retried).
		var failed rights.Rejection
		request(t, nc, rights.NodeRPCSubject(rights.VerbErase, "gw-a"), `{"request_id":"cluster-erase-dead","subject":{"type":"tel","value":"`+cut+`"}}`, &failed)
		if failed.Status != rights.StatusFailed || !strings.Contains(failed.Error, "gw-b") {
			t.Errorf("erase while B is dead: %+v, want failed naming gw-b", failed)
		}
		mustSucceed(t, "caller while B is dead", clusterCalls(t, bal.Addr(), meanwhile, 1, 1000))
		if got := gatewaysOf(waitRecorded(t, s3, subjectKey(t, c, meanwhile), 1)); !slices.Equal(got, []string{"gw-a"}) {
			t.Errorf("the call while B was dead was taken by %v", got)
		}
		b.Start(t)
		for id, r := range waitRecorded(t, s3, subjectKey(t, c, cut), 1) {
			var m struct {
				Repaired   bool  `json:"repaired"`
				DurationMS int64 `json:"duration_ms"`
			}
			bucketJSON(t, s3, strings.TrimSuffix(*r.Recording, path.Ext(*r.Recording))+".json", &m)
			if !m.Repaired || m.DurationMS < 2000 || r.Gateway != "gw-b" {
				t.Errorf("call %s: metadata %+v, receipt by %s; want a repaired recording of at least 2 s by gw-b", id, m, r.Gateway)
			}
		}
		// B is back and has stored the call: the same erase, sent again, completes. B
		// holds nothing of the subject any more, so the erase does not wait for its
		// answer: B is in the result's nodes only when it answered within the gathering
		// window after A (it missed it once in the whole suite).
		var res rights.EraseResult
		request(t, nc, rights.NodeRPCSubject(rights.VerbErase, "gw-a"), `{"request_id":"cluster-erase-dead","subject":{"type":"tel","value":"`+cut+`"}}`, &res)
		if res.Status != rights.StatusCompleted || res.RecordingsDeleted != 1 || !slices.Contains(res.Nodes, "gw-a") {
			t.Errorf("erase after B came back: %+v", res)
		}
		waitIdle(t, b)
		bal.WaitUp(t, b.Addr(), true, clusterWait)
	})

	t.Run("8 calls while a MinIO process is down are stored when it returns", func(t *testing.T) {
		const number = "+4511000010"
		down := c.MinIO.Servers[1]
		down.Stop()
		back := false
		defer func() {
			if !back {
				down.Restart(t)
			}
		}()
		mustSucceed(t, "callers", clusterCalls(t, bal.Addr(), number, 2, 1500))
		clusterPoll(t, "both calls' objects waiting in the spools", func() bool {
			return nodeStatus(t, a).PendingJobs+nodeStatus(t, b).PendingJobs >= 2
		})
		down.Restart(t)
		back = true
		calls := waitRecorded(t, s3, subjectKey(t, c, number), 2)
		for id, r := range calls {
			if r.Decision != consent.DecisionGranted {
				t.Errorf("call %s: %s", id, r.Decision)
			}
		}
		waitIdle(t, a)
		waitIdle(t, b)
	})
}

// request sends a core NATS request and decodes the reply into v.
func request(t *testing.T, nc *nats.Conn, subject, body string, v any) {
	t.Helper()
	msg, err := nc.Request(subject, []byte(body), clusterWait)
	if err != nil {
		t.Fatalf("request on %s: %v", subject, err)
	}
	if err := json.Unmarshal(msg.Data, v); err != nil {
		t.Fatalf("reply on %s: %s: %v", subject, msg.Data, err)
	}
}

// publishDurable publishes an erase of number to the durable stream, again (the same
// Nats-Msg-Id, so stored once) until the cluster acknowledges it: a leader election
// after a lost server leaves a short window without one.
func publishDurable(t *testing.T, js jetstream.JetStream, requestID, number string) {
	t.Helper()
	body := []byte(`{"request_id":"` + requestID + `","subject":{"type":"tel","value":"` + number + `"}}`)
	var err error
	deadline := time.Now().Add(clusterWait)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		_, err = js.Publish(ctx, rights.RequestPrefix+"erase", body, jetstream.WithMsgID(requestID))
		cancel()
		if err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("publishing %s: %v", requestID, err)
}

// streamLeader is the server that leads the stream's replicas.
func streamLeader(t *testing.T, js jetstream.JetStream, name string) string {
	t.Helper()
	var leader string
	retryJS(t, "finding the leader of "+name, func() error {
		s, err := js.Stream(t.Context(), name)
		if err != nil {
			return err
		}
		if c := s.CachedInfo().Cluster; c != nil && c.Leader != "" {
			leader = c.Leader
			return nil
		}
		return errors.New("no leader")
	})
	return leader
}

// streamsCurrent waits until each named stream has a leader and every replica is
// current (caught up with the leader).
func streamsCurrent(t *testing.T, js jetstream.JetStream, names ...string) {
	t.Helper()
	for _, name := range names {
		retryJS(t, "waiting for the replicas of "+name, func() error {
			s, err := js.Stream(t.Context(), name)
			if err != nil {
				return err
			}
			c := s.CachedInfo().Cluster
			if c == nil || c.Leader == "" {
				return errors.New("no leader")
			}
			for _, r := range c.Replicas {
				if !r.Current || r.Offline {
					return fmt.Errorf("replica %s not current", r.Name)
				}
			}
			return nil
		})
	}
}

// requestsLeft is how many durable requests the work queue still holds.
func requestsLeft(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	var n uint64
	retryJS(t, "reading "+rights.Stream, func() error {
		s, err := js.Stream(t.Context(), rights.Stream)
		if err == nil {
			n = s.CachedInfo().State.Msgs
		}
		return err
	})
	return n
}
