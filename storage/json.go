package storage

import (
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
