package e2e

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/consentgw/consentgw/cmd/internal/audiotest"
	"github.com/consentgw/consentgw/cmd/internal/bus/natstest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
	"gopkg.in/yaml.v3"
)

const sealedBucket = "e2e-sealed"

// version is one object version of a bucket copy.
type version struct {
	key  string
	body []byte
	meta map[string]string
}

// copyBucket takes every version of every object, oldest first, as a backup does.
func copyBucket(t *testing.T, m *miniotest.Server, bucket string) []version {
	t.Helper()
	c := m.Client(t)
	var infos []minio.ObjectInfo
	for oi := range c.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		if !oi.IsDeleteMarker {
			infos = append(infos, oi)
		}
	}
	slices.SortStableFunc(infos, func(a, b minio.ObjectInfo) int { return a.LastModified.Compare(b.LastModified) })
	var out []version
	for _, oi := range infos {
		obj, err := c.GetObject(t.Context(), bucket, oi.Key, minio.GetObjectOptions{VersionID: oi.VersionID})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(obj)
		obj.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, version{key: oi.Key, body: body, meta: oi.UserMetadata})
	}
	return out
}

// restoreBucket puts a copy back, oldest version first, as restoring a backup does.
func restoreBucket(t *testing.T, m *miniotest.Server, bucket string, copy []version) {
	t.Helper()
	for _, v := range copy {
		if _, err := m.Client(t).PutObject(t.Context(), bucket, v.key, bytes.NewReader(v.body), int64(len(v.body)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 16's bar: three recorded calls of two callers on a versioned MinIO bucket, with
// the keys in a real nats-server. The bucket is copied, every version of it, before
// caller A is erased, and the copy is restored afterwards: A's channel of A's calls (and
// A's Call-IDs) cannot be decrypted any more, while B's calls decrypt whole and the
// agent's channel of A's calls still does; `consentgw decrypt` says the same.
func TestAnErasedCallerStaysUnreadableInARestoredCopyOfTheBucket(t *testing.T) {
	sipptest.RequireSIPp(t)
	srv := natstest.Start(t)
	m := miniotest.Start(t)
	if err := m.Client(t).MakeBucket(t.Context(), sealedBucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := m.Client(t).EnableVersioning(t.Context(), sealedBucket); err != nil {
		t.Fatal(err)
	}
	agent := agentFor(t, 3)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.NATS.URL = srv.URL
		c.Storage.S3 = config.S3{Endpoint: m.Endpoint, Bucket: sealedBucket, AccessKey: m.AccessKey, SecretKey: m.SecretKey}
	})
	waitUntil(t, "store reachable", waitLimit, func() bool { return gw.Store().Ping(t.Context()) == nil })
	for _, c := range []*sipptest.Process{
		placeGrantedCall(t, gw.Addr(), callerNumber, 1500),
		placeGrantedCall(t, gw.Addr(), callerNumber, 1500),
		placeGrantedCall(t, gw.Addr(), otherCaller, 1500),
	} {
		mustSucceed(t, "caller", c)
	}
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 3, waitLimit)
	before := gw.Receipts(t)
	for _, r := range before {
		if r.SIPCallID != "" || r.SIPCallIDSealed == "" || r.Recording == nil || !strings.HasSuffix(*r.Recording, ".sealed") {
			t.Fatalf("receipt %+v: want a sealed Call-ID and a sealed recording", r)
		}
	}
	backup := copyBucket(t, m, sealedBucket)

	nc, _ := jetstreamtest.Connect(t, gw.NATSURL())
	var erased rights.EraseResult
	rpc(t, nc, "erase", `{"request_id":"sealed-erase","subject":{"type":"tel","value":"`+callerNumber+`"},"requested_by":"dpo"}`, &erased)
	if erased.Status != rights.StatusCompleted || erased.RecordingsDeleted != 2 || erased.KeysDestroyed != 1 {
		t.Fatalf("erase %+v: want A's 2 recordings and A's key", erased)
	}
	cert, _, err := rights.VerifyCertificate(objectBytes(t, gw, erased.Certificate), wellKnownKeys(t, gw.HTTPAddr()))
	if err != nil || len(cert.KeysDestroyed) != 1 || len(cert.ObjectsDeleted) == 0 {
		t.Fatalf("certificate %+v: %v; want the key destroyed and the objects deleted", cert, err)
	}
	assertNoVersionsLeft(t, m, sealedBucket, 2) // B's recording and metadata

	restoreBucket(t, m, sealedBucket, backup)
	cli := decryptCLI(t, gw, srv.URL)
	caller := map[string]string{}
	for _, r := range before {
		for _, s := range r.Subjects {
			if s.Type == "tel" {
				caller[r.ID] = s.Key
			}
		}
	}
	seen := map[bool]int{}
	for _, r := range before {
		erasedCall := caller[r.ID] == erased.SubjectKey
		seen[erasedCall]++
		wav, d := gw.DecryptRecording(t, *r.Recording)
		channels, rate, err := audiotest.ReadWAV(wav)
		if err != nil || len(channels) != 2 || len(channels[0]) < 8000 {
			t.Fatalf("restored %s: %v", *r.Recording, err)
		}
		agentHeard, ratio := audiotest.DominantTone(channels[1], rate, callerTone, agentTone)
		if agentHeard != agentTone || ratio < 10 {
			t.Errorf("restored %s: the agent's channel is %v Hz (ratio %.1f), want the agent's tone", *r.Recording, agentHeard, ratio)
		}
		callerID, openErr := openCallID(t, gw, r)
		out, code := cli(*r.Recording)
		if erasedCall {
			if !slices.Equal(d.Missing, []string{sealing.PartyCaller}) || audiotest.RMS(channels[0]) != 0 {
				t.Errorf("restored %s of the erased caller: opened %v, missing %v: the caller's channel must stay unreadable", *r.Recording, d.Opened, d.Missing)
			}
			if openErr == nil {
				t.Errorf("the erased caller's Call-ID of %s opened: %q", r.ID, callerID)
			}
			if code != 0 || !strings.Contains(out, "caller silent") {
				t.Errorf("consentgw decrypt of the erased caller's %s: exit %d: %s", *r.Recording, code, out)
			}
			continue
		}
		if heard, ratio := audiotest.DominantTone(channels[0], rate, callerTone, agentTone); len(d.Missing) != 0 || heard != callerTone || ratio < 10 {
			t.Errorf("restored %s of the other caller: missing %v, caller's channel %v Hz: want it whole", *r.Recording, d.Missing, heard)
		}
		if openErr != nil || callerID == "" {
			t.Errorf("the other caller's Call-ID of %s: %v", r.ID, openErr)
		}
		if code != 0 || !strings.Contains(out, "caller and agent decrypted") {
			t.Errorf("consentgw decrypt of the other caller's %s: exit %d: %s", *r.Recording, code, out)
		}
	}
	if seen[true] != 2 || seen[false] != 1 {
		t.Fatalf("restored %d calls of the erased caller and %d of the other, want 2 and 1", seen[true], seen[false])
	}
}

// openCallID opens a receipt's sealed Call-ID with the caller's key from the key store.
func openCallID(t *testing.T, gw *gatewaytest.Gateway, r consent.Receipt) (string, error) {
	t.Helper()
	var caller []consent.SubjectRef
	for _, s := range r.Subjects {
		if s.Type != "agent" {
			caller = append(caller, s)
		}
	}
	ids, err := gw.KeyStore().Identities(t.Context(), sealing.PartyKeyName(caller, r.ID, sealing.PartyCaller))
	if err != nil {
		return "", err
	}
	return sealing.OpenText(r.SIPCallIDSealed, ids...)
}

// decryptCLI returns a function that runs `consentgw decrypt -c FILE KEY` against the
// gateway's store and key store, and returns its stderr and exit code.
func decryptCLI(t *testing.T, gw *gatewaytest.Gateway, natsURL string) func(key string) (string, int) {
	t.Helper()
	bin := gatewaytest.Binary(t)
	cfg := config.Default()
	cfg.DataDir = gw.Config.DataDir // its kek.key
	cfg.NATS.URL = natsURL
	cfg.Storage.S3 = gw.Config.Storage.S3
	body, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "decrypt.yaml")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return func(key string) (string, int) {
		out := filepath.Join(t.TempDir(), "out.wav")
		var stderr bytes.Buffer
		cmd := exec.Command(bin, "decrypt", "-c", file, "-o", out, key)
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if err == nil {
			if _, _, rerr := audiotest.ReadWAV(out); rerr != nil {
				t.Errorf("consentgw decrypt wrote no WAV: %v", rerr)
			}
		}
		return stderr.String(), code
	}
}
