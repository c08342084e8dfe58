package storage

import (
	"context"
	"errors"
	"fmt"
)

// Eraser is a store that says how many stored versions (delete markers included) a
// delete removed: an S3 bucket with versioning keeps several per key.
type Eraser interface {
	Erase(ctx context.Context, key string) (int, error)
}

// Erase deletes key as Store.Delete does (every version) and returns how many versions
// went, for an erasure certificate: the store's own count when it keeps versions, else 1
// when the object existed and 0 when it did not.
func Erase(ctx context.Context, st Store, key string) (int, error) {
	if e, ok := st.(Eraser); ok {
		return e.Erase(ctx, key)
	}
	n := 1
	if _, err := st.Stat(ctx, key); errors.Is(err, ErrNotFound) {
		n = 0
	} else if err != nil {
		return 0, fmt.Errorf("erasing %s: %w", key, err)
	}
	if err := st.Delete(ctx, key); err != nil {
		return 0, err
	}
	return n, nil
}
