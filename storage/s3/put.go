package s3

import (
	"context"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"

	"github.com/consentgw/consentgw/storage"
)

const (
	// partSize is the part of a multipart upload held in memory at once.
	// With S3's 10,000 parts it allows objects up to 160 GiB.
	partSize = 16 << 20
	// maxSinglePut is S3's limit on one PUT. Known sizes up to it go out
	// as one streamed request; larger ones need multipart.
	maxSinglePut = 5 << 30
	// metaPrefix is how S3 carries user metadata in headers. Prefixing
	// ourselves keeps keys such as "content-type" (valid storage metadata)
	// from being taken for standard headers by minio-go.
	metaPrefix = "x-amz-meta-"
)

// Put uploads r. A known size streams in one PUT, so nothing but the
// signer's chunk is buffered; an unknown size (-1) uses a multipart upload,
// buffering one part at a time. S3 makes an object visible only when its
// upload completes, so a failed or canceled Put leaves the old object, or
// none, in place.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) error {
	if err := storage.ValidKey(key); err != nil {
		return fmt.Errorf("putting %q: %w", key, err)
	}
	if err := storage.ValidMetadata(opts.Metadata); err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	if size < -1 {
		return fmt.Errorf("putting %s: %w: size %d", key, storage.ErrSizeMismatch, size)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	po := minio.PutObjectOptions{
		ContentType:          opts.ContentType,
		UserMetadata:         userMetadata(opts.Metadata),
		ServerSideEncryption: s.sse.put,
		PartSize:             partSize,
	}
	if po.ContentType == "" {
		po.ContentType = storage.DefaultContentType
	}
	var body io.Reader = ctxReader{ctx, r}
	var exact *exactReader
	if size >= 0 {
		exact = &exactReader{r: body, size: size, left: size}
		body = exact
		po.DisableMultipart = size <= maxSinglePut
		if size == 0 {
			// minio-go sends no body for an empty object, so it would
			// never read far enough to notice a long reader.
			if err := exact.probe(); err != nil {
				return fmt.Errorf("putting %s: %w", key, err)
			}
		}
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, body, size, po)
	if exact != nil && exact.err != nil {
		// The transport reports our reader's error in its own words.
		return fmt.Errorf("putting %s: %w", key, exact.err)
	}
	if err != nil {
		return fmt.Errorf("putting %s: %w", key, translate(err))
	}
	return nil
}

func userMetadata(md map[string]string) map[string]string {
	if len(md) == 0 {
		return nil
	}
	out := make(map[string]string, len(md))
	for k, v := range md {
		out[metaPrefix+k] = v
	}
	return out
}

// exactReader yields exactly size bytes of r or fails. It checks for an
// extra byte before handing over the last ones: once the server has
// Content-Length bytes it commits the object, so a long reader must be
// caught while the request is still incomplete.
type exactReader struct {
	r          io.Reader
	size, left int64
	probed     bool  // the byte past the end was looked for
	err        error // the first mismatch or read error, sticky
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.left == 0 {
		if !e.probed {
			if err := e.probe(); err != nil {
				return 0, err
			}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case e.left == 0:
		if perr := e.probe(); perr != nil {
			return 0, perr
		}
		return n, io.EOF
	case err == io.EOF:
		e.err = fmt.Errorf("%w: reader ended after %d of %d bytes", storage.ErrSizeMismatch, e.size-e.left, e.size)
		return 0, e.err
	case err != nil:
		e.err = err
		return 0, err
	}
	return n, nil
}

// probe reads one byte past the end: there must be none.
func (e *exactReader) probe() error {
	e.probed = true
	var b [1]byte
	_, err := io.ReadFull(e.r, b[:])
	switch err {
	case io.EOF:
		return nil
	case nil:
		e.err = fmt.Errorf("%w: reader longer than %d bytes", storage.ErrSizeMismatch, e.size)
	default:
		e.err = err
	}
	return e.err
}

// ctxReader stops a long read loop (a multipart part is filled by many
// reads) as soon as the Put's context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
