// Package s3 is the object store in an S3-compatible bucket (storage.s3 in
// SPEC §3), with the same keys as the local directory (SPEC §5).
package s3

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/consentgw/consentgw/storage"
)

const (
	// DefaultURLExpiry is how long a URL from Store.URL stays valid.
	DefaultURLExpiry = 24 * time.Hour
	// maxURLExpiry is SigV4's limit on a presigned URL (7 days).
	maxURLExpiry = 7 * 24 * time.Hour
	// pingTimeout bounds Ping so /readyz answers even when the server
	// accepts connections but never replies.
	pingTimeout = 2 * time.Second
)

// Options configure a Store.
type Options struct {
	Endpoint  string // host:port, no scheme
	Bucket    string
	AccessKey string
	SecretKey string
	// Region is sent when the bucket is created and used to sign; "" asks
	// the server once at New (MinIO answers us-east-1).
	Region string
	Secure bool // HTTPS
	SSE    SSE
	// Retention > 0 expires recordings/ and consent/ by a bucket
	// lifecycle rule, rounded up to whole days (S3 counts lifecycle in
	// days); 0 removes the rule. See lifecycle.go.
	Retention time.Duration
	// LeaveLifecycle makes New leave the retention rules as they are (Retention is then
	// unused): the retention sweeper sets them (SetRetention), and tools that only read
	// must not change them.
	LeaveLifecycle bool
	Logger         *slog.Logger // nil: discard
	// Transport replaces the HTTP transport, e.g. to trust a private CA;
	// nil uses minio-go's default.
	Transport http.RoundTripper
}

// Store keeps objects in one bucket. It is safe for concurrent use.
type Store struct {
	client *minio.Client
	core   minio.Core
	bucket string
	sse    sseConfig
	log    *slog.Logger

	// lifecycleMu serialises this process's read-modify-write of the
	// bucket's lifecycle configuration.
	lifecycleMu sync.Mutex
}

var _ storage.Store = (*Store)(nil)

// New connects to the bucket, creating it if missing, and sets the
// retention lifecycle rules. ctx bounds only the start-up requests.
func New(ctx context.Context, o Options) (*Store, error) {
	if o.Endpoint == "" {
		return nil, fmt.Errorf("%w: no endpoint", ErrInvalidOptions)
	}
	if err := s3utils.CheckValidBucketNameStrict(o.Bucket); err != nil {
		return nil, fmt.Errorf("%w: bucket %q: %w", ErrInvalidOptions, o.Bucket, err)
	}
	if o.Retention < 0 {
		return nil, fmt.Errorf("%w: negative retention %v", ErrInvalidOptions, o.Retention)
	}
	sse, err := o.SSE.config()
	if err != nil {
		return nil, err
	}
	client, err := minio.New(o.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:    o.Secure,
		Region:    o.Region,
		Transport: o.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: endpoint %q: %w", ErrInvalidOptions, o.Endpoint, err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		client: client,
		core:   minio.Core{Client: client},
		bucket: o.Bucket,
		sse:    sse,
		log:    log.With("bucket", o.Bucket),
	}
	if err := s.ensureBucket(ctx, o.Region); err != nil {
		return nil, err
	}
	if !o.LeaveLifecycle {
		if err := s.setRetention(ctx, o.Retention); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context, region string) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("checking bucket %s: %w", s.bucket, err)
	}
	if !ok {
		err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
		// Another gateway may have created it meanwhile.
		if err != nil && minio.ToErrorResponse(err).Code != codeBucketOwnedByYou {
			return fmt.Errorf("creating bucket %s: %w", s.bucket, err)
		}
		if err == nil {
			s.log.Info("created bucket")
		}
	}
	if region == "" {
		// minio-go caches the answer, so URL can presign later without a
		// request of its own (it has no context to bound one).
		if _, err := s.client.GetBucketLocation(ctx, s.bucket); err != nil {
			return fmt.Errorf("getting region of bucket %s: %w", s.bucket, err)
		}
	}
	return nil
}

// Bucket is the store's bucket name.
func (s *Store) Bucket() string { return s.bucket }

// Get opens the object with one GET, so the body and the returned info
// always belong to the same version even while the key is being replaced.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	if err := storage.ValidKey(key); err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("getting %q: %w", key, err)
	}
	body, oi, _, err := s.core.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{ServerSideEncryption: s.sse.read})
	if err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("getting %s: %w", key, translate(err))
	}
	return body, objectInfo(oi, true), nil
}

// Stat describes the object with a HEAD request.
func (s *Store) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	if err := storage.ValidKey(key); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("stat %q: %w", key, err)
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{ServerSideEncryption: s.sse.read})
	if err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, translate(err))
	}
	return objectInfo(oi, true), nil
}

// List returns the current objects under prefix. S3 lists keys in UTF-8
// byte order already; the sort keeps that promise for servers that don't.
func (s *Store) List(ctx context.Context, prefix string) ([]storage.ObjectInfo, error) {
	if err := storage.ValidPrefix(prefix); err != nil {
		return nil, fmt.Errorf("listing %q: %w", prefix, err)
	}
	ctx, cancel := context.WithCancel(ctx) // ends minio-go's lister on early return
	defer cancel()
	var out []storage.ObjectInfo
	for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if oi.Err != nil {
			return nil, fmt.Errorf("listing %q: %w", prefix, oi.Err)
		}
		out = append(out, objectInfo(oi, false))
	}
	slices.SortFunc(out, func(a, b storage.ObjectInfo) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// Ping checks that the bucket exists, within pingTimeout.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("pinging bucket %s: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("pinging bucket %s: %w", s.bucket, ErrBucketMissing)
	}
	return nil
}

// URL is a presigned GET of key valid for DefaultURLExpiry, or "" for an
// invalid key. Presigning is local computation; the object need not exist.
// For an SSE-C store the URL needs the key headers too (see SSE).
func (s *Store) URL(key string) string {
	u, err := s.PresignedURL(key, DefaultURLExpiry)
	if err != nil {
		if storage.ValidKey(key) == nil {
			s.log.Warn("presigning failed", "key", key, "error", err)
		}
		return ""
	}
	return u
}

// PresignedURL is a presigned GET of key valid for expiry (at most seven
// days, SigV4's limit).
func (s *Store) PresignedURL(key string, expiry time.Duration) (string, error) {
	if err := storage.ValidKey(key); err != nil {
		return "", fmt.Errorf("presigning %q: %w", key, err)
	}
	if expiry < time.Second || expiry > maxURLExpiry {
		return "", fmt.Errorf("presigning %s: %w: %v", key, ErrInvalidExpiry, expiry)
	}
	// The region is cached since New, so this makes no request.
	u, err := s.client.PresignedGetObject(context.Background(), s.bucket, key, expiry, nil)
	if err != nil {
		return "", fmt.Errorf("presigning %s: %w", key, err)
	}
	return u.String(), nil
}

// objectInfo converts minio-go's description. Listings carry no content
// type or metadata (storage.Store.List), so full is false for them.
func objectInfo(oi minio.ObjectInfo, full bool) storage.ObjectInfo {
	info := storage.ObjectInfo{Key: oi.Key, Size: oi.Size, Modified: oi.LastModified}
	if !full {
		return info
	}
	info.ContentType = oi.ContentType
	if info.ContentType == "" {
		info.ContentType = storage.DefaultContentType
	}
	for k, v := range oi.UserMetadata {
		if info.Metadata == nil {
			info.Metadata = make(map[string]string, len(oi.UserMetadata))
		}
		// HTTP canonicalises header names ("Consent-Id"); storage keys
		// are lower case by ValidMetadata, so folding restores them.
		info.Metadata[strings.ToLower(k)] = v
	}
	return info
}
