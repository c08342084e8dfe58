package s3

import (
	"fmt"

	"github.com/minio/minio-go/v7/pkg/encrypt"
)

// Server-side encryption modes for SSE.Mode.
const (
	SSENone = ""   // whatever the bucket's default encryption does
	SSES3   = "s3" // SSE-S3: the server's KMS holds the keys
	SSEC    = "c"  // SSE-C: the gateway holds the only key
)

// SSE selects server-side encryption of the objects the store writes.
//
// With SSE-S3 the server encrypts with keys from its KMS (MinIO needs a KMS
// configured, e.g. MINIO_KMS_SECRET_KEY, or it refuses the Put); reads and
// presigned URLs work as for plain objects.
//
// With SSE-C every request for an object must carry the same 32-byte key,
// and S3 servers accept such requests over TLS only (Options.Secure). An
// SSE-C object can only be read with the key: a presigned URL of one is
// useless to a browser or client that cannot send the
// x-amz-server-side-encryption-customer-* headers, so a store whose export
// links are handed out (SPEC §6) should not use SSE-C. Losing the key loses
// every object.
type SSE struct {
	Mode string // SSENone, SSES3 or SSEC
	Key  []byte // the SSE-C key, 32 bytes; unused otherwise
}

// sseConfig is SSE turned into minio-go options: what a Put sends, and
// what a Get or Stat must send (only SSE-C needs anything on reads).
type sseConfig struct {
	put  encrypt.ServerSide
	read encrypt.ServerSide
}

func (o SSE) config() (sseConfig, error) {
	switch o.Mode {
	case SSENone:
		return sseConfig{}, nil
	case SSES3:
		return sseConfig{put: encrypt.NewSSE()}, nil
	case SSEC:
		k, err := encrypt.NewSSEC(o.Key)
		if err != nil {
			return sseConfig{}, fmt.Errorf("%w: SSE-C key of %d bytes, want 32", ErrInvalidOptions, len(o.Key))
		}
		return sseConfig{put: k, read: k}, nil
	}
	return sseConfig{}, fmt.Errorf("%w: SSE mode %q, want \"\", %q or %q", ErrInvalidOptions, o.Mode, SSES3, SSEC)
}
