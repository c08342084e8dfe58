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
	if err := put("consent/during.json"); err != nil {
		t.Fatalf("write with one process of four down: %v", err)
	}
	if got := read(pool.Servers[1], "consent/during.json"); got != `{"key":"consent/during.json"}` {
		t.Fatalf("read back with one process down: %q", got)
	}
}
