package s3_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/s3"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// A gateway started while S3 is down connects as soon as S3 answers.
func TestLazyStoreConnectsWhenS3Comes(t *testing.T) {
	srv := miniotest.Start(t)
	opts := srv.Options(t)
	srv.Stop()

	l := s3.Open(opts)
	defer l.Close()
	ctx := context.Background()
	if err := l.Put(ctx, "consent/x.json", strings.NewReader("{}"), 2, storage.PutOptions{}); !errors.Is(err, s3.ErrNotConnected) {
		t.Fatalf("put while down: %v, want ErrNotConnected", err)
	}
	srv.Restart(t)
	deadline := time.Now().Add(60 * time.Second)
	for l.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("never connected after S3 came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := l.Put(ctx, "consent/x.json", strings.NewReader("{}"), 2, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}
