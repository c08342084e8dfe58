package s3

import (
	"context"
	"errors"
	"fmt"

	"github.com/minio/minio-go/v7"

	"github.com/consentgw/consentgw/storage"
)

// Delete removes every version of key and every delete marker on it. A
// plain DELETE in a versioned bucket only hides the object behind a delete
// marker, and an erase must leave nothing (SPEC §6), so the versions are
// listed and each one deleted by id. In an unversioned bucket the listing
// shows the one "null" version, so the same path serves both.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.Erase(ctx, key)
	return err
}

// Erase is Delete that returns how many versions and delete markers it removed
// (storage.Eraser), for an erasure certificate.
func (s *Store) Erase(ctx context.Context, key string) (int, error) {
	if err := storage.ValidKey(key); err != nil {
		return 0, fmt.Errorf("deleting %q: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("deleting %s: %w", key, err)
	}
	// Stops minio-go's listing goroutine if we return before draining it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	versions := s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{
		Prefix:       key,
		Recursive:    true,
		WithVersions: true,
	})
	var ids []string
	for v := range versions {
		if v.Err != nil {
			return 0, fmt.Errorf("listing versions of %s: %w", key, v.Err)
		}
		// The prefix also matches longer keys ("a/b" lists "a/b.json").
		if v.Key == key {
			ids = append(ids, v.VersionID)
		}
	}
	for _, id := range ids {
		err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: id})
		if err != nil && !errors.Is(translate(err), storage.ErrNotFound) {
			return 0, fmt.Errorf("deleting %s version %s: %w", key, id, err)
		}
	}
	if len(ids) > 0 {
		s.log.Debug("deleted object", "key", key, "versions", len(ids))
	}
	return len(ids), nil
}
