package s3_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/s3"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
	"github.com/consentgw/consentgw/storage/storagetest"
)

func TestConformance(t *testing.T) {
	srv := miniotest.Start(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return srv.NewStore(t, nil) })
}

func put(t *testing.T, st storage.Store, key, content string) {
	t.Helper()
	err := st.Put(t.Context(), key, strings.NewReader(content), int64(len(content)), storage.PutOptions{ContentType: "text/plain"})
	if err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

func TestDeleteInVersionedBucketLeavesNoVersion(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, nil)
	client := srv.Client(t)
	if err := client.EnableVersioning(t.Context(), st.Bucket()); err != nil {
		t.Fatal(err)
	}
	const key = "recordings/2025/03/01/01JN0Z3Q8M5T7V9X1B3D5F7H9K.wav"
	for _, v := range []string{"one", "two", "three"} {
		put(t, st, key, v)
	}
	// A neighbour sharing the key as a prefix must survive.
	put(t, st, key+".bak", "other")
	if n := len(versions(t, client, st.Bucket(), key)); n != 4 {
		t.Fatalf("%d versions before Delete, want 4 (3 of the key, 1 of its neighbour)", n)
	}

	// Erase is Delete that counts, for an erasure certificate.
	if n, err := st.Erase(t.Context(), key); err != nil || n != 3 {
		t.Fatalf("Erase = %d, %v; want the 3 versions of the key", n, err)
	}

	if got := versions(t, client, st.Bucket(), key); len(got) != 1 || got[0].Key != key+".bak" {
		t.Fatalf("versions after Delete = %v, want only the neighbour", got)
	}
	if _, err := st.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat after Delete = %v, want ErrNotFound", err)
	}
}

func TestDeleteRemovesDeleteMarkers(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, nil)
	client := srv.Client(t)
	if err := client.EnableVersioning(t.Context(), st.Bucket()); err != nil {
		t.Fatal(err)
	}
	put(t, st, "consent/2025/03/01/x.json", "{}")
	// A plain S3 delete, as another tool would do it, leaves a marker
	// over the old version.
	if err := client.RemoveObject(t.Context(), st.Bucket(), "consent/2025/03/01/x.json", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(versions(t, client, st.Bucket(), "consent/")); n != 2 {
		t.Fatalf("%d versions before Delete, want object and marker", n)
	}
	if err := st.Delete(t.Context(), "consent/2025/03/01/x.json"); err != nil {
		t.Fatal(err)
	}
	if got := versions(t, client, st.Bucket(), "consent/"); len(got) != 0 {
		t.Fatalf("versions after Delete = %v, want none", got)
	}
}

// versions lists every version and delete marker under prefix.
func versions(t *testing.T, client *minio.Client, bucket, prefix string) []minio.ObjectInfo {
	t.Helper()
	var out []minio.ObjectInfo
	for oi := range client.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		out = append(out, oi)
	}
	return out
}

func TestPingFollowsServerDownAndBack(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, nil)
	put(t, st, "a", "kept across restart")
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("Ping while up: %v", err)
	}

	srv.Stop()
	if err := st.Ping(t.Context()); err == nil {
		t.Fatal("Ping succeeded while MinIO was down")
	}

	srv.Restart(t)
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
	rc, _, err := st.Get(t.Context(), "a")
	if err != nil {
		t.Fatalf("Get after restart: %v", err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != "kept across restart" {
		t.Fatalf("after restart got %q", b)
	}
}

func TestPingFailsWhenBucketIsGone(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, nil)
	if err := srv.Client(t).RemoveBucket(t.Context(), st.Bucket()); err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(t.Context()); !errors.Is(err, s3.ErrBucketMissing) {
		t.Fatalf("Ping = %v, want ErrBucketMissing", err)
	}
}

func TestURLIsAFetchablePresignedGET(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, nil)
	put(t, st, "exports/req-1.zip", "PK\x03\x04 bundle")

	resp, err := http.Get(st.URL("exports/req-1.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "PK\x03\x04 bundle" {
		t.Fatalf("GET presigned URL: %s %q", resp.Status, body)
	}
	if !strings.Contains(st.URL("exports/req-1.zip"), "X-Amz-Expires=86400") {
		t.Errorf("URL %s is not valid for 24h", st.URL("exports/req-1.zip"))
	}
}

func TestPresignedURLExpiry(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, nil)
	cases := []struct {
		expiry  time.Duration
		wantErr error
	}{
		{time.Hour, nil},
		{7 * 24 * time.Hour, nil},
		{0, s3.ErrInvalidExpiry},
		{8 * 24 * time.Hour, s3.ErrInvalidExpiry},
	}
	for _, c := range cases {
		u, err := st.PresignedURL("exports/r.zip", c.expiry)
		if !errors.Is(err, c.wantErr) {
			t.Errorf("PresignedURL(%v) = %v, want %v", c.expiry, err, c.wantErr)
		}
		if err == nil && !strings.Contains(u, fmt.Sprintf("X-Amz-Expires=%d", int(c.expiry.Seconds()))) {
			t.Errorf("PresignedURL(%v) = %s", c.expiry, u)
		}
	}
	if _, err := st.PresignedURL("../x", time.Hour); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("PresignedURL of an invalid key = %v", err)
	}
}
