package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/cmd/internal/audiotest"
	"github.com/consentgw/consentgw/cmd/internal/bus/natstest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/archive"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

const otherCaller = "+4520304050"

// placeGrantedCall places one call from number that presses 1 and stays hold ms.
func placeGrantedCall(t *testing.T, gwAddr, number string, hold int) *sipptest.Process {
	t.Helper()
	keys := callerKeys(pcmu, "", map[string]string{
		"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "300",
		"dtmf_pcap": sipptest.DTMFPcap("1"), "hold": strconv.Itoa(hold),
	})
	keys["caller"] = number
	return sipptest.Start(t, sipptest.Options{Scenario: "caller_rfc4733.xml", Remote: gwAddr, Timeout: waitLimit, Keys: keys})
}

// agentFor answers granted calls, calls times.
func agentFor(t *testing.T, calls int) *sipptest.Process {
	t.Helper()
	agent := sipptest.Start(t, sipptest.Options{Scenario: "agent.xml", Calls: calls, Timeout: 2 * waitLimit,
		Keys: map[string]string{"consent": "granted", "pt": pcmu.pt, "codec": pcmu.codec, "audio": pcmu.stream("agent-1000hz", -1)}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := agent.Ready(ctx); err != nil {
		t.Fatalf("agent not ready: %v", err)
	}
	return agent
}

func routeTo(agent *sipptest.Process) func(*config.Config) {
	return func(c *config.Config) {
		c.Routes[0].RecordTarget = "sip:agents@" + agent.Addr()
		c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
	}
}

// rpc sends a request on consentgw.rpc.<verb> and decodes the reply into v.
func rpc(t *testing.T, nc *nats.Conn, verb, body string, v any) []byte {
	t.Helper()
	msg, err := nc.Request(rights.RPCPrefix+verb, []byte(body), waitLimit)
	if err != nil {
		t.Fatalf("%s request: %v", verb, err)
	}
	if v != nil {
		if err := json.Unmarshal(msg.Data, v); err != nil {
			t.Fatalf("%s reply %s: %v", verb, msg.Data, err)
		}
	}
	return msg.Data
}

// auditEvents waits for want[kind] events of each kind (events are published after the
// reply, so they may still be on their way) and returns them. More events of a kind than
// wanted fail the test.
func auditEvents(t *testing.T, js jetstream.JetStream, want map[string]int) []audit.Event {
	t.Helper()
	var out []audit.Event
	for kind, n := range want {
		cons, err := js.OrderedConsumer(t.Context(), audit.Stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{audit.Subject(kind)}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			msg, err := cons.Next(jetstream.FetchMaxWait(waitLimit))
			if err != nil {
				t.Fatalf("%d %s events within %v, want %d: %v", i, kind, waitLimit, n, err)
			}
			var ev audit.Event
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		}
		s, err := js.Stream(t.Context(), audit.Stream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(t.Context(), jetstream.WithSubjectFilter(audit.Subject(kind)))
		if err != nil {
			t.Fatal(err)
		}
		if got := info.State.Subjects[audit.Subject(kind)]; got != uint64(n) {
			t.Errorf("%d %s events, want %d", got, kind, n)
		}
	}
	return out
}

// nextAuditEvent waits for the next event of kind from cons.
func nextAuditEvent(t *testing.T, js jetstream.JetStream, kind string, timeout time.Duration) audit.Event {
	t.Helper()
	cons, err := js.OrderedConsumer(t.Context(), audit.Stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{audit.Subject(kind)}})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(timeout))
	if err != nil {
		t.Fatalf("no %s event within %v: %v", kind, timeout, err)
	}
	var ev audit.Event
	if err := json.Unmarshal(msg.Data(), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// fetchBundle reads an export bundle through the link in the reply and checks its sha256.
func fetchBundle(t *testing.T, res rights.ExportResult) *zip.Reader {
	t.Helper()
	u, err := url.Parse(res.URL)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	switch u.Scheme {
	case "file":
		body, err = os.ReadFile(u.Path)
	case "http", "https":
		var resp *http.Response
		resp, err = http.Get(res.URL)
		if err == nil {
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET presigned link: %s", resp.Status)
			}
			body, err = io.ReadAll(resp.Body)
		}
	default:
		t.Fatalf("link %q", res.URL)
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != res.SHA256 {
		t.Fatalf("bundle sha256 %x, reply says %s", sum, res.SHA256)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

// assertExportedOwnChannel checks a recording of an export by the caller: the caller's
// channel decrypted into a mono WAV of the caller's tone, the agent's withheld.
func assertExportedOwnChannel(t *testing.T, zr *zip.Reader, rec rights.ManifestRecording) {
	t.Helper()
	if len(rec.Channels) != 2 || rec.Channels[0].Party != sealing.PartyCaller || rec.Channels[0].File == "" ||
		rec.Channels[1].Party != sealing.PartyAgent || rec.Channels[1].File != "" || rec.Channels[1].Withheld != rights.WithheldOtherPerson {
		t.Fatalf("exported channels %+v: want the caller's, the agent's withheld", rec.Channels)
	}
	w, err := zr.Open(rec.Channels[0].File)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(w)
	wav := filepath.Join(t.TempDir(), "exported.wav")
	os.WriteFile(wav, body, 0o600)
	channels, rate, err := audiotest.ReadWAV(wav)
	if err != nil || rate != 8000 || len(channels) != 1 || len(channels[0]) < 8000 {
		t.Fatalf("exported channel: %d channels at %d Hz (%v)", len(channels), rate, err)
	}
	if got, ratio := audiotest.DominantTone(channels[0], rate, callerTone, agentTone); got != callerTone || ratio < 10 {
		t.Fatalf("exported caller's channel: dominant tone %v Hz (ratio %.1f), want %v Hz", got, ratio, callerTone)
	}
}

// Two callers are recorded; one exports, the other erases, and the erase is repeated;
// malformed requests are rejected on the way. On the local store and on MinIO.
func TestRightsRequestsOverNATSAfterRealCalls(t *testing.T) {
	sipptest.RequireSIPp(t)
	stores := []struct {
		name  string
		adapt func(t *testing.T) (func(*config.Config), *miniotest.Server)
	}{
		{"local store", func(*testing.T) (func(*config.Config), *miniotest.Server) { return func(*config.Config) {}, nil }},
		{"MinIO", func(t *testing.T) (func(*config.Config), *miniotest.Server) {
			m := miniotest.Start(t)
			return func(c *config.Config) {
				c.Storage.S3 = config.S3{Endpoint: m.Endpoint, Bucket: "e2e-rights", AccessKey: m.AccessKey, SecretKey: m.SecretKey}
			}, m
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			withStore, minioServer := st.adapt(t)
			agent := agentFor(t, 2)
			gw := gatewaytest.Start(t, func(c *config.Config) { routeTo(agent)(c); withStore(c) })
			ctx := context.Background()
			waitUntil(t, "store reachable", waitLimit, func() bool { return gw.Store().Ping(ctx) == nil })

			mustSucceed(t, "first caller", placeGrantedCall(t, gw.Addr(), callerNumber, 1500))
			mustSucceed(t, "second caller", placeGrantedCall(t, gw.Addr(), otherCaller, 1500))
			mustSucceed(t, "agent", agent)
			gw.WaitIdle(t, waitLimit)
			gw.WaitArchived(t, "recording", 2, waitLimit)
			nc, js := jetstreamtest.Connect(t, gw.NATSURL())

			var exp rights.ExportResult
			rpc(t, nc, "export", `{"request_id":"e2e-export-1","subject":{"type":"tel","value":"+45 20 30 40 50"},"requested_by":"crm","expires":"1h"}`, &exp)
			if exp.Status != rights.StatusCompleted || exp.Recordings != 1 || exp.Receipts != 1 || exp.Object != "exports/e2e-export-1.zip" {
				t.Fatalf("export reply %+v", exp)
			}
			zr := fetchBundle(t, exp)
			var m rights.Manifest
			f, err := zr.Open("manifest.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.NewDecoder(f).Decode(&m); err != nil || len(m.Recordings) != 1 || len(m.Receipts) != 1 || m.Purpose == "" {
				t.Fatalf("manifest %+v (%v)", m, err)
			}
			assertExportedOwnChannel(t, zr, m.Recordings[0])
			if len(m.CallIDs) != 1 {
				t.Fatalf("manifest opens %d of the caller's Call-IDs, want 1: %v", len(m.CallIDs), m.CallIDs)
			}

			var erased rights.EraseResult
			eraseReq := `{"request_id":"e2e-erase-1","subject":{"type":"tel","value":"` + callerNumber + `"},"requested_by":"dpo"}`
			rpc(t, nc, "erase", eraseReq, &erased)
			if erased.Status != rights.StatusCompleted || erased.RecordingsDeleted != 1 || erased.ReceiptsDeleted != 1 || erased.IndexEntriesDeleted != 2 {
				t.Fatalf("erase reply %+v", erased)
			}
			if left := gw.Keys(t, storage.IndexPrefix(erased.SubjectKey)); len(left) != 0 {
				t.Fatalf("the erased subject's index still lists %v", left)
			}
			if recs := gw.Keys(t, "recordings/"); len(recs) != 2 { // the other caller's WAV and metadata
				t.Fatalf("recordings after the erase: %v", recs)
			}
			var exported archive.Metadata
			json.Unmarshal(m.Recordings[0].Metadata, &exported)
			if rs := gw.Receipts(t); len(rs) != 1 || rs[0].Recording == nil || *rs[0].Recording != exported.Recording {
				t.Fatalf("receipts after the erase: %+v", rs)
			}
			if erased.KeysDestroyed != 1 {
				t.Fatalf("the erase destroyed %d keys, want the caller's", erased.KeysDestroyed)
			}
			if minioServer != nil {
				assertNoVersionsLeft(t, minioServer, "e2e-rights", 2)
			}

			var again rights.EraseResult
			rpc(t, nc, "erase", eraseReq, &again)
			if !reflect.DeepEqual(again, erased) {
				t.Fatalf("repeat %+v, want the first result %+v", again, erased)
			}
			for _, bad := range []struct{ verb, body string }{
				{"erase", `not json`},
				{"erase", `{"request_id":"b1","subject":{"type":"tel"}}`},
				{"export", `{"request_id":"b2","subject":{"type":"tel","value":4520304050}}`},
				{"erase", `{"request_id":"b3","subject":{"type":"email","value":"x@y"}}`},
				{"purge", `{"request_id":"b4","subject":{"type":"tel","value":"+4520304050"}}`},
			} {
				var r rights.Rejection
				rpc(t, nc, bad.verb, bad.body, &r)
				if r.Status != rights.StatusRejected || r.Error == "" {
					t.Fatalf("%s %s: reply %+v, want rejected", bad.verb, bad.body, r)
				}
			}
			if rs := gw.Receipts(t); len(rs) != 1 {
				t.Fatalf("a rejected request deleted data: %d receipts left", len(rs))
			}

			want := map[string]int{audit.KindConsentCaptured: 2, audit.KindRecordingStored: 2, audit.KindSubjectExported: 1,
				audit.KindSubjectErased: 2, audit.KindRecordingDeleted: 1, audit.KindRequestRejected: 5}
			for _, ev := range auditEvents(t, js, want) {
				for _, raw := range []string{"4512345678", "4520304050"} {
					if strings.Contains(string(ev.Data), raw) {
						t.Errorf("%s event holds a raw number: %s", ev.Kind, ev.Data)
					}
				}
			}
			if minioServer == nil {
				assertNoRawNumber(t, gw)
			}
		})
	}
}

// assertNoVersionsLeft checks that the bucket keeps no version (nor delete marker) of the
// erased call's objects: only the other call's recording and metadata.
func assertNoVersionsLeft(t *testing.T, m *miniotest.Server, bucket string, want int) {
	t.Helper()
	n := 0
	for oi := range m.Client(t).ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Prefix: "recordings/", Recursive: true, WithVersions: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		n++
	}
	if n != want {
		t.Fatalf("%d object versions under recordings/, want %d", n, want)
	}
}

// A durable erase published while no gateway runs is done when one starts: NATS here is
// its own process, so it outlives the gateway.
func TestDurableEraseSentWhileTheGatewayIsDown(t *testing.T) {
	sipptest.RequireSIPp(t)
	srv := natstest.Start(t)
	agent := startAgent(t, "agent.xml", pcmu, "granted", nil)
	cfg := gatewaytest.Config(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.NATS.URL = srv.URL
	})
	gw := gatewaytest.StartProcess(t, cfg)
	mustSucceed(t, "caller", placeGrantedCall(t, gw.Addr(), callerNumber, 1500))
	waitFile(t, filepath.Join(cfg.ObjectDir(), "recordings", "*", "*", "*", "*.json"), 1, waitLimit)
	gw.Kill()

	_, js := jetstreamtest.Connect(t, srv.URL)
	ack, err := js.Publish(t.Context(), rights.RequestPrefix+"erase",
		[]byte(`{"request_id":"e2e-durable-1","subject":{"type":"tel","value":"`+callerNumber+`"},"requested_by":"crm"}`))
	if err != nil || ack.Stream != rights.Stream {
		t.Fatalf("durable publish: %+v, %v", ack, err)
	}
	gw.Start(t)

	ev := nextAuditEvent(t, js, audit.KindSubjectErased, waitLimit)
	var res rights.EraseResult
	if err := json.Unmarshal(ev.Data, &res); err != nil || res.RequestID != "e2e-durable-1" || res.RecordingsDeleted != 1 || res.ReceiptsDeleted != 1 {
		t.Fatalf("subject.erased %s (%v)", ev.Data, err)
	}
	if left, _ := filepath.Glob(filepath.Join(cfg.ObjectDir(), "recordings", "*", "*", "*", "*")); len(left) != 0 {
		t.Fatalf("recordings left after the durable erase: %v", left)
	}
	waitUntil(t, "durable request acknowledged", waitLimit, func() bool {
		s, err := js.Stream(t.Context(), rights.Stream)
		return err == nil && s.CachedInfo().State.Msgs == 0
	})
}

// An erase that arrives while the subject's call is being recorded, on another gateway of
// the same NATS and store, stops that recording: nothing of the call remains.
func TestEraseDuringARecordedCallOnAnotherGateway(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent.xml", pcmu, "granted", nil)
	const key = "e2e-shared-hmac-key-0123456789abcdef"
	const signing = "ZTJlLXNoYXJlZC1zaWduaW5nLWtleS0wMTIzNDU2Nzg="
	const kek = "AGE-SECRET-KEY-18TQVNS8LFHPE55SLPRGQ3NPD7CDFZA4TQT5ZWFUP294TR7L4955SGPHYN2"
	first := gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.Subjects.HMACKey, c.Rights.SigningKey, c.Encryption.KEK = key, signing, kek
	})
	second := gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.NodeName = "test-node-2"
		c.Subjects.HMACKey, c.Rights.SigningKey, c.Encryption.KEK = key, signing, kek
		c.NATS.URL = first.NATSURL()
		c.Storage.Dir = first.Config.ObjectDir()
	})
	caller := placeGrantedCall(t, second.Addr(), callerNumber, 8000)
	// The call's encrypted streams are in the second gateway's spool: it is being recorded.
	waitFile(t, filepath.Join(second.Config.SpoolDir(), "*.caller.age"), 1, waitLimit)

	nc, _ := jetstreamtest.Connect(t, first.NATSURL())
	var res rights.EraseResult
	rpc(t, nc, "erase", `{"request_id":"e2e-live-1","subject":{"type":"tel","value":"`+callerNumber+`"}}`, &res)
	if res.Status != rights.StatusCompleted || res.LiveRecordingsDiscarded != 1 {
		t.Fatalf("erase reply %+v, want the live recording discarded", res)
	}
	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	second.WaitIdle(t, waitLimit)
	for _, prefix := range []string{"recordings/", "consent/", "subjects/"} {
		if left := first.Keys(t, prefix); len(left) != 0 {
			t.Errorf("%s holds %v after the erase", prefix, left)
		}
	}
	if spool, _ := filepath.Glob(filepath.Join(second.Config.SpoolDir(), "*")); len(spool) != 0 {
		t.Errorf("the second gateway's spool holds %v", spool)
	}
	if !strings.Contains(second.Logs(), "discarded during the call") {
		t.Error("the second gateway did not log the discarded recording")
	}
}
