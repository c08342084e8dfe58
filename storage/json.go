package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// GetJSON decodes the JSON object at key into v, reading at most limit bytes: the
// small objects of the layout (receipts, index entries, holds, records) are a few
// hundred bytes, and the limit guards against a stray large object under their prefix.
// A missing object is ErrNotFound; a JSON error is returned as encoding/json gives it.
func GetJSON(ctx context.Context, st Store, key string, limit int64, v any) error {
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, limit))
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	return json.Unmarshal(body, v)
}

// PutJSON stores v at key as a JSON object (application/json), the writing side of
// GetJSON.
func PutJSON(ctx context.Context, st Store, key string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", key, err)
	}
	return st.Put(ctx, key, bytes.NewReader(body), int64(len(body)), PutOptions{ContentType: "application/json"})
}
