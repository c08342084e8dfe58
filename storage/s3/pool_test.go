package s3_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// MinIO in distributed mode with four processes of one drive each (parity 2): with one
// process down, objects are read and written on the quorum of the other three. (With two
// processes of two drives, one down leaves neither a read nor a write quorum: the cluster
// e2e test shows the gateway's spool riding that out.)
func TestPoolOfFourStoresWithOneProcessDown(t *testing.T) {
	pool := miniotest.StartPool(t, 4, 1)
	st := pool.Servers[0].NewStore(t, nil)
	put := func(key string) error {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		body := `{"key":"` + key + `"}`
		return st.Put(ctx, key, strings.NewReader(body), int64(len(body)), storage.PutOptions{ContentType: "application/json"})
	}
	read := func(s *miniotest.Server, key string) string {
		t.Helper()
		rc, err := s.Client(t).GetObject(t.Context(), st.Bucket(), key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatalf("reading %s from %s: %v", key, s.Endpoint, err)
		}
		defer rc.Close()
		body, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("reading %s from %s: %v", key, s.Endpoint, err)
		}
		return string(body)
	}
	if err := put("consent/before.json"); err != nil {
		t.Fatal(err)
	}
	pool.Servers[3].Stop()
	if got := read(pool.Servers[0], "consent/before.json"); got != `{"key":"consent/before.json"}` {
		t.Fatalf("read with one process down: %q", got)
	}
	// Right after a peer stops, the others may refuse writes for a few seconds
	// ("Resource requested is unwritable": SlowDownWrite, seen once in the whole suite,
	// after minio-go's own retries) until they count it offline; the gateway's spool
	// retries an upload the same way. The write must be taken within a minute.
	deadline := time.Now().Add(time.Minute)
	for attempt := 1; ; attempt++ {
		err := put("consent/during.json")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("write with one process of four down, %d attempts: %v", attempt, err)
		}
		t.Logf("write %d with one process of four down: %v; trying again", attempt, err)
		time.Sleep(time.Second)
	}
	if got := read(pool.Servers[1], "consent/during.json"); got != `{"key":"consent/during.json"}` {
		t.Fatalf("read back with one process down: %q", got)
	}
}
