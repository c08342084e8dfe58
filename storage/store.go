// Package storage is where recordings, consent receipts, subject index
// entries and export bundles live (SPEC §5): the Store interface, the key
// layout, and key validation shared by every backend.
package storage

import (
	"context"
	"io"
	"time"
)

// DefaultContentType is what a Put without a content type stores, as S3 does.
const DefaultContentType = "application/octet-stream"

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key         string
	Size        int64
	ContentType string
	// Metadata keys are lower case (S3 folds their case); see ValidMetadata.
	Metadata map[string]string
	Modified time.Time
}

// PutOptions are stored with an object and returned by Get and Stat.
type PutOptions struct {
	ContentType string // "" = DefaultContentType
	Metadata    map[string]string
}

// Store is an object store: a local directory by default, or an
// S3-compatible bucket. Every backend passes storagetest.Run.
//
// Objects are replaced whole: a Get never returns a partly written object.
type Store interface {
	// Put stores r under key. size is the exact length, or -1 if unknown;
	// a reader that ends early or runs long fails with ErrSizeMismatch
	// and stores nothing.
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) error
	// Get opens the object; the caller closes it. A missing object is
	// ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// Stat describes the object without reading it. A missing object is
	// ErrNotFound.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// Delete removes the object and every version of it (an erase must
	// leave nothing behind, SPEC §6). A missing object is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the objects whose keys start with prefix, sorted by
	// key. Like an S3 listing, ContentType and Metadata are left empty.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// Ping reports whether the store can be used now, for /readyz.
	Ping(ctx context.Context) error
	// URL is where the object can be fetched from outside: a file:// URL
	// for the local store, a presigned or plain URL for S3. It is "" for
	// an invalid key.
	URL(key string) string
}
