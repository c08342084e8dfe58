package s3_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/s3"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// roundTrip puts content (known size and unknown size) and reads it back
// with Get, Stat and List.
func roundTrip(t *testing.T, st *s3.Store) {
	t.Helper()
	content := strings.Repeat("RIFF", 20_000)
	md := map[string]string{"sha256": "9f86d081"}
	if err := st.Put(t.Context(), "recordings/x.wav", strings.NewReader(content), int64(len(content)), storage.PutOptions{ContentType: "audio/wav", Metadata: md}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := st.Put(t.Context(), "exports/x.zip", io.MultiReader(strings.NewReader(content)), -1, storage.PutOptions{}); err != nil {
		t.Fatalf("Put of unknown size: %v", err)
	}
	for _, key := range []string{"recordings/x.wav", "exports/x.zip"} {
		rc, info, err := st.Get(t.Context(), key)
		if err != nil {
			t.Fatalf("Get(%s): %v", key, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != content || info.Size != int64(len(content)) {
			t.Fatalf("Get(%s): %d bytes, size %d, %v", key, len(b), info.Size, err)
		}
		if _, err := st.Stat(t.Context(), key); err != nil {
			t.Fatalf("Stat(%s): %v", key, err)
		}
	}
	_, info, err := st.Get(t.Context(), "recordings/x.wav")
	if err != nil || info.Metadata["sha256"] != "9f86d081" || info.ContentType != "audio/wav" {
		t.Fatalf("Get info %+v, %v", info, err)
	}
	infos, err := st.List(t.Context(), "")
	if err != nil || len(infos) != 2 {
		t.Fatalf("List = %v, %v", infos, err)
	}
}

// encryption is the SSE header the server reports for key.
func encryption(t *testing.T, srv *miniotest.Server, st *s3.Store, key string, opts minio.StatObjectOptions) string {
	t.Helper()
	oi, err := srv.Client(t).StatObject(t.Context(), st.Bucket(), key, opts)
	if err != nil {
		t.Fatalf("stat %s: %v", key, err)
	}
	if v := oi.Metadata.Get("X-Amz-Server-Side-Encryption"); v != "" {
		return v
	}
	return oi.Metadata.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm")
}

func TestSSES3RoundTrip(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, func(o *s3.Options) { o.SSE = s3.SSE{Mode: s3.SSES3} })
	roundTrip(t, st)
	if got := encryption(t, srv, st, "recordings/x.wav", minio.StatObjectOptions{}); got != "AES256" {
		t.Fatalf("object encryption %q, want SSE-S3 (AES256)", got)
	}
}

func TestSSES3NeedsAKMS(t *testing.T) {
	srv := miniotest.Start(t, miniotest.WithoutKMS())
	st := srv.NewStore(t, func(o *s3.Options) { o.SSE = s3.SSE{Mode: s3.SSES3} })
	err := st.Put(t.Context(), "k", strings.NewReader("x"), 1, storage.PutOptions{})
	if err == nil {
		t.Fatal("SSE-S3 Put succeeded on a MinIO without KMS")
	}
	t.Logf("as expected: %v", err)
}

func TestSSECRoundTrip(t *testing.T) {
	srv := miniotest.Start(t, miniotest.WithTLS())
	key := bytes.Repeat([]byte{0x42}, 32)
	st := srv.NewStore(t, func(o *s3.Options) { o.SSE = s3.SSE{Mode: s3.SSEC, Key: key} })
	roundTrip(t, st)

	// Without the key the object cannot be read at all.
	if _, err := srv.Client(t).StatObject(t.Context(), st.Bucket(), "recordings/x.wav", minio.StatObjectOptions{}); err == nil {
		t.Fatal("Stat without the SSE-C key succeeded")
	}
	// With another key neither.
	other := srv.NewStore(t, func(o *s3.Options) {
		o.Bucket = st.Bucket()
		o.SSE = s3.SSE{Mode: s3.SSEC, Key: bytes.Repeat([]byte{0x43}, 32)}
	})
	if _, err := other.Stat(t.Context(), "recordings/x.wav"); err == nil {
		t.Fatal("Stat with the wrong SSE-C key succeeded")
	}
	// A presigned URL alone cannot fetch it: the client must also send the
	// key headers, which is why exports should not use SSE-C.
	resp, err := (&http.Client{Transport: srv.Transport()}).Get(st.URL("recordings/x.wav"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("presigned GET of an SSE-C object succeeded without the key")
	}
	// Deleting needs no key: an erase works even when the key is lost.
	if err := other.Delete(t.Context(), "recordings/x.wav"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Stat(t.Context(), "recordings/x.wav"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat after Delete = %v, want ErrNotFound", err)
	}
}

func TestSSECOverPlainHTTPIsRefused(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, func(o *s3.Options) { o.SSE = s3.SSE{Mode: s3.SSEC, Key: make([]byte, 32)} })
	if err := st.Put(t.Context(), "k", strings.NewReader("x"), 1, storage.PutOptions{}); err == nil {
		t.Fatal("SSE-C Put over plain HTTP succeeded")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	good := s3.Options{Endpoint: "127.0.0.1:1", Bucket: "recordings"}
	cases := []struct {
		name   string
		change func(*s3.Options)
	}{
		{"NoEndpoint", func(o *s3.Options) { o.Endpoint = "" }},
		{"BadBucketName", func(o *s3.Options) { o.Bucket = "Not_A_Bucket" }},
		{"UnknownSSEMode", func(o *s3.Options) { o.SSE.Mode = "kms" }},
		{"ShortSSECKey", func(o *s3.Options) { o.SSE = s3.SSE{Mode: s3.SSEC, Key: make([]byte, 16)} }},
		{"NegativeRetention", func(o *s3.Options) { o.Retention = -1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := good
			c.change(&o)
			if _, err := s3.New(t.Context(), o); !errors.Is(err, s3.ErrInvalidOptions) {
				t.Fatalf("New = %v, want ErrInvalidOptions", err)
			}
		})
	}
}
