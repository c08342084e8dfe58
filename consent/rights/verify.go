package rights

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/consentgw/consentgw/consent/signing"
)

// maxSignedDocument bounds a certificate or manifest read for verification.
const maxSignedDocument = 64 << 20

// ErrNotSigned is returned for a document that carries no signature to check.
var ErrNotSigned = errors.New("the document carries no signature")

// VerifyCertificate checks a certificate file against the trusted keys and returns the
// certificate and the id of the key that signed it.
func VerifyCertificate(data []byte, keys signing.KeySet) (Certificate, string, error) {
	var doc SignedCertificate
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Certificate{}, "", fmt.Errorf("not an erasure certificate: %w", err)
	}
	if len(doc.Certificate) == 0 || doc.Signature == "" {
		return Certificate{}, "", ErrNotSigned
	}
	kid, err := keys.Verify(signing.KindCertificate, doc.Certificate, doc.Signature)
	if err != nil {
		return Certificate{}, kid, err
	}
	var c Certificate
	if err := json.Unmarshal(doc.Certificate, &c); err != nil || c.Format != CertificateFormat {
		return Certificate{}, kid, fmt.Errorf("signed, but not a %s certificate", CertificateFormat)
	}
	return c, kid, nil
}

// VerifiedReceipt is one receipt of an export bundle and its check.
type VerifiedReceipt struct {
	ID    string
	KeyID string
	Err   error // nil: signed by a trusted key and unaltered
}

// VerifyBundle checks every receipt in an export bundle against its signature in the
// manifest. A receipt without a signature (stored before receipts were signed) is
// reported with ErrNotSigned.
func VerifyBundle(zr *zip.Reader, keys signing.KeySet) ([]VerifiedReceipt, error) {
	f, err := zr.Open("manifest.json")
	if err != nil {
		return nil, fmt.Errorf("not an export bundle: %w", err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxSignedDocument))
	if err != nil {
		return nil, fmt.Errorf("reading manifest.json: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(body, &m); err != nil || m.Format != ManifestFormat {
		return nil, fmt.Errorf("manifest.json is not a %s manifest", ManifestFormat)
	}
	var out []VerifiedReceipt
	for _, raw := range m.Receipts {
		var r struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &r)
		v := VerifiedReceipt{ID: r.ID}
		sig, ok := m.ReceiptSignatures[r.ID]
		if ok {
			v.KeyID, v.Err = keys.Verify(signing.KindReceipt, raw, sig)
		} else {
			v.Err = ErrNotSigned
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b VerifiedReceipt) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
