package main

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/local"
	"github.com/consentgw/consentgw/storage/s3"
)

// openStore connects to the configuration's object store now, for the commands that
// read it directly (retention). An S3 bucket's lifecycle is left as it is.
func openStore(ctx context.Context, cfg *config.Config) (storage.Store, func() error, error) {
	c := cfg.Storage
	if c.S3.Endpoint == "" {
		st, err := local.New(cfg.ObjectDir())
		if err != nil {
			return nil, nil, fmt.Errorf("storage.dir: %w", err)
		}
		return st, st.Close, nil
	}
	var key []byte
	if c.S3.SSE == s3.SSEC {
		key, _ = base64.StdEncoding.DecodeString(c.S3.SSECKey) // validated by config
	}
	st, err := s3.New(ctx, s3.Options{
		Endpoint: c.S3.Endpoint, Bucket: c.S3.Bucket, Region: c.S3.Region, Secure: c.S3.Secure,
		AccessKey: c.S3.AccessKey, SecretKey: c.S3.SecretKey, SSE: s3.SSE{Mode: c.S3.SSE, Key: key}, LeaveLifecycle: true,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("storage.s3: %w", err)
	}
	return st, func() error { return nil }, nil
}
