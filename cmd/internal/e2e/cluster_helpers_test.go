package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/cmd/internal/clustertest"
	"github.com/consentgw/consentgw/cmd/internal/gateway"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage/archive"
)

// clusterWait bounds each wait of the cluster test: calls, uploads, restarts.
const clusterWait = 90 * time.Second

// clusterPoll waits until cond holds, looking every quarter second: cond reads the
// bucket or the audit trail, which a tighter loop would load for nothing.
func clusterPoll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(clusterWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, clusterWait)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// clusterCalls places n granted calls from number to addr (a node, or the balancer),
// each pressing 1 and staying hold ms.
func clusterCalls(t *testing.T, addr, number string, n, hold int) *sipptest.Process {
	t.Helper()
	keys := callerKeys(pcmu, "", map[string]string{
		"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "300",
		"dtmf_pcap": sipptest.DTMFPcap("1"), "hold": strconv.Itoa(hold),
	})
	keys["caller"] = number
	return sipptest.Start(t, sipptest.Options{Scenario: "caller_rfc4733.xml", Remote: addr, Calls: n, Rate: 10, Limit: n,
		Timeout: clusterWait, Keys: keys})
}

// subjectKey is the pseudonym every node gives number (they share subjects.hmac_key).
func subjectKey(t *testing.T, c *clustertest.Cluster, number string) string {
	t.Helper()
	p, err := subject.NewPseudonymizer([]byte(c.Nodes[0].Config.Subjects.HMACKey))
	if err != nil {
		t.Fatal(err)
	}
	key, err := p.NormalizedKey(subject.Subject{Type: subject.TypeTel, Value: number}, "")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// bucketKeys lists the current objects under prefix.
func bucketKeys(t *testing.T, s3 *minio.Client, prefix string) []string {
	t.Helper()
	var keys []string
	for oi := range s3.ListObjects(t.Context(), clustertest.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if oi.Err != nil {
			t.Fatalf("listing %s: %v", prefix, oi.Err)
		}
		keys = append(keys, oi.Key)
	}
	return keys
}

// bucketVersions lists every version and delete marker whose key contains any of parts.
func bucketVersions(t *testing.T, s3 *minio.Client, parts ...string) []string {
	t.Helper()
	var found []string
	for oi := range s3.ListObjects(t.Context(), clustertest.Bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if oi.Err != nil {
			t.Fatalf("listing versions: %v", oi.Err)
		}
		for _, p := range parts {
			if strings.Contains(oi.Key, p) {
				found = append(found, oi.Key+"@"+oi.VersionID)
			}
		}
	}
	return found
}

func bucketJSON(t *testing.T, s3 *minio.Client, key string, v any) {
	t.Helper()
	obj, err := s3.GetObject(t.Context(), clustertest.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	defer obj.Close()
	if err := json.NewDecoder(obj).Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", key, err)
	}
}

// storedCalls are the receipts stored under the subject's index, by receipt id.
func storedCalls(t *testing.T, s3 *minio.Client, subjectKey string) map[string]consent.Receipt {
	t.Helper()
	out := map[string]consent.Receipt{}
	for _, k := range bucketKeys(t, s3, "subjects/"+subjectKey+"/") {
		var e struct {
			Receipt string `json:"receipt"`
		}
		bucketJSON(t, s3, k, &e)
		var r consent.Receipt
		bucketJSON(t, s3, e.Receipt, &r)
		out[r.ID] = r
	}
	return out
}

// waitRecorded waits until n calls of the subject are stored with their recordings, and
// returns their receipts.
func waitRecorded(t *testing.T, s3 *minio.Client, subjectKey string, n int) map[string]consent.Receipt {
	t.Helper()
	var calls map[string]consent.Receipt
	clusterPoll(t, strconv.Itoa(n)+" recorded calls stored", func() bool {
		calls = storedCalls(t, s3, subjectKey)
		recorded := 0
		for _, r := range calls {
			if r.Recording != nil {
				recorded++
			}
		}
		return len(calls) == n && recorded == n
	})
	return calls
}

// assertStoredOnce checks each call's objects: the receipt naming its recording, the WAV
// and its metadata, and one index entry per subject; and that the bucket holds exactly
// one version of each (a call stored once, not by two nodes).
func assertStoredOnce(t *testing.T, s3 *minio.Client, calls map[string]consent.Receipt) {
	t.Helper()
	for id, r := range calls {
		versions := bucketVersions(t, s3, id)
		// receipt (written at the decision, then with its recording), WAV, metadata,
		// and an index entry per subject (written twice likewise).
		if len(versions) != 4+2*len(r.Subjects) {
			t.Errorf("call %s on %s: %d object versions %v", id, r.Gateway, len(versions), versions)
		}
		var m archive.Metadata
		bucketJSON(t, s3, strings.TrimSuffix(*r.Recording, path.Ext(*r.Recording))+".json", &m)
		if m.Gateway != r.Gateway || m.SHA256 == "" || m.DurationMS < 1000 {
			t.Errorf("call %s: metadata %+v", id, m)
		}
	}
}

// events reads every event of kind in the audit trail so far, trying again while the
// cluster does not answer (a JetStream request on a loaded machine sometimes gets "no
// responders" while the servers' routes catch up, more so right after a server was lost).
func events(t *testing.T, js jetstream.JetStream, kind string) []audit.Event {
	t.Helper()
	var evs []audit.Event
	retryJS(t, "reading "+kind+" events", func() (err error) {
		evs, err = readEvents(t, js, kind)
		return err
	})
	return evs
}

// retryJS runs fn until it succeeds, for up to clusterWait.
func retryJS(t *testing.T, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(clusterWait)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%s (trying again): %v", what, err)
		time.Sleep(250 * time.Millisecond)
	}
}

// readEvents is events for a poll: while the cluster elects new leaders (a server was
// lost), reading fails for a few seconds, and the poll tries again.
func readEvents(t *testing.T, js jetstream.JetStream, kind string) ([]audit.Event, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, audit.Stream)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(audit.Subject(kind)))
	if err != nil {
		return nil, err
	}
	n := int(info.State.Subjects[audit.Subject(kind)])
	cons, err := js.OrderedConsumer(ctx, audit.Stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{audit.Subject(kind)}})
	if err != nil {
		return nil, err
	}
	var out []audit.Event
	for range n {
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			return nil, err
		}
		var ev audit.Event
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// polledIDs is eventIDs of readEvents, nil while the trail cannot be read.
func polledIDs(t *testing.T, js jetstream.JetStream, kind string) map[string][]string {
	t.Helper()
	evs, err := readEvents(t, js, kind)
	if err != nil {
		t.Logf("reading %s events (trying again): %v", kind, err)
		return nil
	}
	return eventIDs(t, evs)
}

// eventIDs maps the data.id (receipt id) or data.request_id of each event to the nodes
// that emitted it.
func eventIDs(t *testing.T, evs []audit.Event) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, ev := range evs {
		var d struct {
			ID        string `json:"id"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		id := d.ID
		if d.RequestID != "" && id == "" {
			id = d.RequestID
		}
		out[id] = append(out[id], ev.Gateway)
	}
	return out
}

// liveCallID waits until the node records a call, and returns its receipt id (from the
// caller's encrypted stream in the spool, made when the recording starts).
func liveCallID(t *testing.T, node *gatewaytest.Process) string {
	t.Helper()
	stream := waitFile(t, filepath.Join(node.Config.SpoolDir(), "*.caller.age"), 1, clusterWait)
	return strings.TrimSuffix(filepath.Base(stream), ".caller.age")
}

// nodeStatus is GET /drain of a node: its calls and spool, without draining it.
func nodeStatus(t *testing.T, node *gatewaytest.Process) gateway.DrainStatus {
	t.Helper()
	res, err := http.Get("http://" + node.Config.HTTP.Listen + "/drain")
	if err != nil {
		t.Fatalf("status of %s: %v", node.Config.NodeName, err)
	}
	defer res.Body.Close()
	var st gateway.DrainStatus
	body, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("status of %s: %s: %v", node.Config.NodeName, body, err)
	}
	return st
}

// waitIdle waits until the node has no call and an empty spool.
func waitIdle(t *testing.T, node *gatewaytest.Process) {
	t.Helper()
	clusterPoll(t, node.Config.NodeName+" idle with an empty spool", func() bool {
		st := nodeStatus(t, node)
		entries, _ := os.ReadDir(node.Config.SpoolDir())
		return st.ActiveCalls == 0 && st.PendingJobs == 0 && len(entries) == 0
	})
}

// gatewaysOf lists the nodes the receipts name, sorted, each once.
func gatewaysOf(calls map[string]consent.Receipt) []string {
	var nodes []string
	for _, r := range calls {
		nodes = append(nodes, r.Gateway)
	}
	slices.Sort(nodes)
	return slices.Compact(nodes)
}
