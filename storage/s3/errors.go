package s3

import (
	"errors"

	"github.com/minio/minio-go/v7"

	"github.com/consentgw/consentgw/storage"
)

var (
	// ErrInvalidOptions is returned by New for options it cannot start with.
	ErrInvalidOptions = errors.New("s3: invalid options")
	// ErrBucketMissing is returned by Ping when the bucket is gone (deleted
	// behind the gateway's back after New created it).
	ErrBucketMissing = errors.New("s3: bucket does not exist")
	// ErrNotConnected is returned by a Lazy store that has not reached S3 yet.
	ErrNotConnected = errors.New("s3: not connected yet")
	// ErrInvalidExpiry is returned by PresignedURL for an expiry outside
	// S3's range of one second to seven days.
	ErrInvalidExpiry = errors.New("s3: presigned URL expiry out of range")
)

// S3 error codes the store translates into storage errors.
const (
	codeNoSuchKey         = "NoSuchKey"
	codeNoSuchVersion     = "NoSuchVersion"
	codeNoSuchLifecycle   = "NoSuchLifecycleConfiguration"
	codeBucketOwnedByYou  = "BucketAlreadyOwnedByYou"
	codeInvalidObjectName = "XMinioInvalidObjectName"
	codeKeyTooLong        = "KeyTooLongError"
)

// translate maps S3 error responses onto the storage package's sentinels,
// so callers see the same errors from every backend, and leaves other
// errors as they are.
func translate(err error) error {
	switch minio.ToErrorResponse(err).Code {
	case codeNoSuchKey, codeNoSuchVersion:
		return storage.ErrNotFound
	case codeInvalidObjectName, codeKeyTooLong:
		// MinIO refuses some keys S3 takes, e.g. segments over 255 bytes.
		return errors.Join(storage.ErrInvalidKey, err)
	}
	return err
}
