package s3_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"maps"
	"strings"
	"testing"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// pattern is a reader of n deterministic bytes with no Len, so a Put
// cannot learn its size.
func pattern(n int64) io.Reader {
	return io.LimitReader(&counter{}, n)
}

type counter struct{ i byte }

func (c *counter) Read(p []byte) (int, error) {
	for j := range p {
		p[j] = c.i
		c.i = c.i*31 + 7
	}
	return len(p), nil
}

func TestPutOfUnknownSizeSpansSeveralParts(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, nil)
	const n = 17<<20 + 123 // over one 16 MiB part
	if err := st.Put(t.Context(), "exports/big.zip", pattern(n), -1, storage.PutOptions{ContentType: "application/zip", Metadata: map[string]string{"parts": "2"}}); err != nil {
		t.Fatal(err)
	}
	rc, info, err := st.Get(t.Context(), "exports/big.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, want := sha256.New(), sha256.New()
	if _, err := io.Copy(got, rc); err != nil {
		t.Fatal(err)
	}
	io.Copy(want, pattern(n))
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) || info.Size != n {
		t.Fatalf("read back %d bytes that differ from what was put", info.Size)
	}
	if info.ContentType != "application/zip" || info.Metadata["parts"] != "2" {
		t.Fatalf("info %+v", info)
	}
}

func TestMetadataNamedLikeHeadersStaysMetadata(t *testing.T) {
	srv := miniotest.Start(t)
	st := srv.NewStore(t, nil)
	md := map[string]string{"content-type": "not/the-type", "cache-control": "x", "expires": "never", "x-amz-acl": "public-read"}
	if err := st.Put(t.Context(), "k", strings.NewReader("x"), 1, storage.PutOptions{ContentType: "text/plain", Metadata: md}); err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != "text/plain" || !maps.Equal(info.Metadata, md) {
		t.Fatalf("info %+v, want content type text/plain and metadata %v", info, md)
	}
}
