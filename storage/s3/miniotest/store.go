package miniotest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/consentgw/consentgw/storage/s3"
)

// newStoreTimeout bounds s3.New's start-up requests in NewStore.
const newStoreTimeout = 30 * time.Second

// Options are s3.Options for this server and a fresh random bucket, with
// the store logging to the test's output.
func (s *Server) Options(t testing.TB) s3.Options {
	return s3.Options{
		Endpoint:  s.Endpoint,
		Bucket:    "t-" + randomHex(t, 8),
		AccessKey: s.AccessKey,
		SecretKey: s.SecretKey,
		Secure:    s.Secure,
		Transport: s.Transport(),
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// NewStore opens a store on a fresh random bucket. opts, if not nil, may
// change the options first (SSE, retention, ...).
func (s *Server) NewStore(t testing.TB, opts func(*s3.Options)) *s3.Store {
	t.Helper()
	o := s.Options(t)
	if opts != nil {
		opts(&o)
	}
	ctx, cancel := context.WithTimeout(t.Context(), newStoreTimeout)
	defer cancel()
	st, err := s3.New(ctx, o)
	if err != nil {
		t.Fatalf("s3.New: %v", err)
	}
	return st
}

// Client is a minio-go client with the root credentials, for checking
// what a store left in its bucket.
func (s *Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := minio.New(s.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Secure:    s.Secure,
		Transport: s.Transport(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
