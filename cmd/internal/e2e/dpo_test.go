package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

const dpoBucket = "e2e-dpo"

// bucketRetention is the days of the gateway's retention rule on recordings/ (0: none).
func bucketRetention(t *testing.T, m *miniotest.Server) int {
	t.Helper()
	cfg, err := m.Client(t).GetBucketLifecycle(t.Context(), dpoBucket)
	if err != nil {
		return 0
	}
	for _, r := range cfg.Rules {
		if r.RuleFilter.Prefix == "recordings/" {
			return int(r.Expiration.Days)
		}
	}
	return 0
}

// The DPO's toolkit after three real calls (two of one caller), on a versioned MinIO
// bucket over the embedded NATS: lookup, export with signed receipts, the guard on large
// erases, a legal hold that
// withdraws the bucket's retention rule and keeps one call from an erase, a dry run, the
// erase that leaves a tombstone for statistics and a certificate, the release, an erase
// of recordings only and of one call, and the requests' states.
func TestTheDPOsToolkitOnMinIOAfterRealCalls(t *testing.T) {
	sipptest.RequireSIPp(t)
	m := miniotest.Start(t)
	// The bucket is versioned before the gateway starts: MinIO keeps versioning and
	// lifecycle in one bucket-metadata document, and enabling versioning while the
	// gateway wrote its lifecycle rules lost the rules (every run under -race).
	if err := m.Client(t).MakeBucket(t.Context(), dpoBucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := m.Client(t).EnableVersioning(t.Context(), dpoBucket); err != nil {
		t.Fatal(err)
	}
	agent := agentFor(t, 3)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.Storage.S3 = config.S3{Endpoint: m.Endpoint, Bucket: dpoBucket, AccessKey: m.AccessKey, SecretKey: m.SecretKey}
		c.Storage.Retention = config.Duration(30 * 24 * time.Hour)
		c.Retention = []config.RetentionRule{{Region: "US", Keep: config.Duration(90 * 24 * time.Hour)}}
		c.Rights = config.Rights{EraseKeeps: rights.KeepStatistics, EraseMaxRecordings: 1}
	})
	waitUntil(t, "store reachable", waitLimit, func() bool { return gw.Store().Ping(t.Context()) == nil })
	// The longest rule, 90 days for US callers, is what the bucket may expire by.
	waitUntil(t, "bucket retention rule of 90 days", waitLimit, func() bool { return bucketRetention(t, m) == 90 })

	calls := []*sipptest.Process{
		placeGrantedCall(t, gw.Addr(), callerNumber, 1000),
		placeGrantedCall(t, gw.Addr(), callerNumber, 1000),
		placeGrantedCall(t, gw.Addr(), otherCaller, 1000),
	}
	for _, c := range calls {
		mustSucceed(t, "caller", c)
	}
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 3, waitLimit)
	nc, js := jetstreamtest.Connect(t, gw.NATSURL())
	keys := wellKnownKeys(t, gw.HTTPAddr())
	a := `"subject":{"type":"tel","value":"` + callerNumber + `"}`
	b := `"subject":{"type":"tel","value":"` + otherCaller + `"}`

	var look rights.LookupResult
	rpc(t, nc, "lookup", `{"request_id":"dpo-look",`+a+`}`, &look)
	if look.Calls != 2 || look.Recordings != 2 || len(look.Keys.Receipts) != 2 {
		t.Fatalf("lookup %+v", look)
	}
	var exp rights.ExportResult
	rpc(t, nc, "export", `{"request_id":"dpo-export",`+a+`}`, &exp)
	verified, err := rights.VerifyBundle(fetchBundle(t, exp), keys)
	if err != nil || len(verified) != 2 || verified[0].Err != nil || verified[1].Err != nil {
		t.Fatalf("receipts in the export: %+v, %v", verified, err)
	}

	// Two recordings are more than rights.erase_max_recordings allows without confirm.
	var big rights.Rejection
	rpc(t, nc, "erase", `{"request_id":"dpo-big",`+a+`}`, &big)
	if big.Status != rights.StatusRejected || !strings.Contains(big.Error, `"confirm": true`) {
		t.Fatalf("erase of 2 recordings with a limit of 1: %+v", big)
	}

	heldCall, err := rights.Decode(rights.VerbHold, []byte(`{"request_id":"x","call":"`+look.Keys.Receipts[0]+`","reason":"r"}`))
	if err != nil {
		t.Fatal(err)
	}
	var h rights.HoldResult
	rpc(t, nc, "hold", `{"request_id":"dpo-hold","call":"`+heldCall.Call+`","reason":"claim 2026/17","requested_by":"legal"}`, &h)
	if h.Status != rights.StatusCompleted || h.Hold.Call != heldCall.Call {
		t.Fatalf("hold %+v", h)
	}
	waitUntil(t, "bucket rule withdrawn for the hold", waitLimit, func() bool { return bucketRetention(t, m) == 0 })

	var dry rights.EraseResult
	rpc(t, nc, "erase", `{"request_id":"dpo-dry",`+a+`,"dry_run":true}`, &dry)
	if dry.Status != rights.StatusDryRun || dry.RecordingsDeleted != 1 || len(dry.Held) != 1 || len(dry.WouldDelete) == 0 {
		t.Fatalf("dry run %+v", dry)
	}
	if n := len(gw.Keys(t, "recordings/")); n != 6 {
		t.Fatalf("a dry run deleted recordings: %d objects left", n)
	}
	var erased rights.EraseResult
	rpc(t, nc, "erase", `{"request_id":"dpo-erase",`+a+`,"requested_by":"dpo"}`, &erased)
	if erased.Status != rights.StatusPartial || erased.RecordingsDeleted != 1 || erased.ReceiptsAnonymized != 1 ||
		erased.VersionsRemoved < 6 || len(erased.Held) != 1 || erased.Held[0].Call != heldCall.Call {
		t.Fatalf("erase with a held call: %+v", erased)
	}
	cert, kid, err := rights.VerifyCertificate(objectBytes(t, gw, erased.Certificate), keys)
	if err != nil || kid != keys[0].ID || cert.Status != rights.StatusPartial || cert.VersionsRemoved != erased.VersionsRemoved {
		t.Fatalf("certificate %+v by %s: %v", cert, kid, err)
	}
	assertNoVersionsLeft(t, m, dpoBucket, 4) // the held call's and the other caller's
	if stones := gw.Keys(t, rights.AnonymizedPrefix); len(stones) != 1 {
		t.Fatalf("tombstones %v", stones)
	}
	var st rights.StatsResult
	rpc(t, nc, "stats", `{"request_id":"dpo-stats"}`, &st)
	if st.Receipts != 2 || st.Anonymized != 1 || len(st.Rows) != 1 || st.Rows[0].Count != 3 || st.Rows[0].Decision != "granted" {
		t.Fatalf("stats %+v", st)
	}

	var rel rights.ReleaseResult
	rpc(t, nc, "release", `{"request_id":"dpo-release","hold":"dpo-hold","reason":"settled"}`, &rel)
	if len(rel.Released) != 1 {
		t.Fatalf("release %+v", rel)
	}
	waitUntil(t, "bucket rule back after the release", waitLimit, func() bool { return bucketRetention(t, m) == 90 })

	var recs rights.EraseResult
	rpc(t, nc, "erase", `{"request_id":"dpo-recordings",`+b+`,"scope":"recordings"}`, &recs)
	if recs.Status != rights.StatusCompleted || recs.RecordingsDeleted != 1 || recs.ReceiptsDeleted != 0 {
		t.Fatalf("erase of recordings %+v", recs)
	}
	var one rights.EraseResult
	rpc(t, nc, "erase", `{"request_id":"dpo-call","scope":"call","call":"`+heldCall.Call+`","requested_by":"crm"}`, &one)
	if one.Status != rights.StatusCompleted || one.RecordingsDeleted != 1 || one.ReceiptsDeleted != 1 || len(one.Subjects) != 2 {
		t.Fatalf("erase of one call %+v", one)
	}
	if left := gw.Keys(t, "recordings/"); len(left) != 0 {
		t.Fatalf("recordings left: %v", left)
	}
	if rs := gw.Receipts(t); len(rs) != 1 || rs[0].Route != "default" {
		t.Fatalf("receipts left: %+v (only the other caller's should stay)", rs)
	}

	var status rights.StatusResult
	rpc(t, nc, "status", `{"request_id":"dpo-status"}`, &status)
	states := map[string]string{}
	for _, r := range status.Requests {
		states[r.RequestID] = r.State
	}
	for id, want := range map[string]string{"dpo-big": rights.StateRejected, "dpo-erase": rights.StatePartial, "dpo-call": rights.StateCompleted, "dpo-hold": rights.StateCompleted, "dpo-look": rights.StateCompleted} {
		if states[id] != want {
			t.Errorf("status of %s = %q, want %s (all: %v)", id, states[id], want, states)
		}
	}
	want := map[string]int{audit.KindSubjectLookedUp: 1, audit.KindHoldPlaced: 1, audit.KindHoldReleased: 1, audit.KindErasePreviewed: 1,
		audit.KindSubjectErased: 1, audit.KindRecordingsErased: 1, audit.KindCallErased: 1, audit.KindRecordingDeleted: 3, audit.KindRequestRejected: 1}
	for _, ev := range auditEvents(t, js, want) {
		for _, raw := range []string{"4512345678", "4520304050"} {
			if strings.Contains(string(ev.Data), raw) {
				t.Errorf("%s event holds a raw number: %s", ev.Kind, ev.Data)
			}
		}
	}
}

// wellKnownKeys reads the gateway's published key set.
func wellKnownKeys(t *testing.T, httpAddr string) signing.KeySet {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + signing.WellKnownPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "application/jwk-set+json" {
		t.Fatalf("%s: %s, %s", signing.WellKnownPath, resp.Status, ct)
	}
	keys, err := signing.ParseJWKS(resp.Body)
	if err != nil || len(keys) != 1 {
		t.Fatalf("key set %v: %v", keys, err)
	}
	return keys
}

// objectBytes reads an object of the gateway's store.
func objectBytes(t *testing.T, gw *gatewaytest.Gateway, key string) []byte {
	t.Helper()
	rc, _, err := gw.Store().Get(t.Context(), key)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
