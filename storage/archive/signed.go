package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/storage"
)

// Signer signs a receipt as it is stored (signing.Key), so that a receipt handed out
// later can be shown unaltered (GDPR Art. 7(1)).
type Signer interface {
	Sign(kind string, doc []byte) (string, error)
}

// putSigned stores a receipt with its signature in the object's metadata (under
// signing.MetaKey), or without one when the archive has no signer.
func (a *Archiver) putSigned(ctx context.Context, key string, v any) error {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	opts := storage.PutOptions{ContentType: "application/json"}
	if a.o.Signer != nil {
		sig, err := a.o.Signer.Sign(signing.KindReceipt, body)
		if err != nil {
			return fmt.Errorf("signing %s: %w", key, err)
		}
		opts.Metadata = map[string]string{signing.MetaKey: sig}
	}
	return a.o.Store.Put(ctx, key, bytes.NewReader(body), int64(len(body)), opts)
}
