package rights

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/storage"
)

// CertificatePrefix holds the erasure certificates, certificates/<request-id>.json. They
// are the controller's proof of each erase (GDPR Art. 5(2), 17) and are kept.
const CertificatePrefix = "certificates/"

// CertificateFormat names the layout of a certificate.
const CertificateFormat = "consentgw-erasure-certificate/1"

// Signer signs JSON documents with the deployment's key (signing.Key).
type Signer interface {
	Sign(kind string, doc []byte) (string, error)
}

// Certificate is what a completed erase did, signed.
type Certificate struct {
	Format      string               `json:"format"`
	RequestID   string               `json:"request_id"`
	Status      string               `json:"status"`
	Scope       Scope                `json:"scope"`
	SubjectType string               `json:"subject_type,omitempty"`
	SubjectKey  string               `json:"subject_key,omitempty"`
	Call        string               `json:"call,omitempty"`
	Subjects    []consent.SubjectRef `json:"subjects,omitempty"`
	RequestedBy string               `json:"requested_by,omitempty"`
	EraseCounts
	// ObjectsDeleted are the keys erased, every version of each.
	ObjectsDeleted []string `json:"objects_deleted"`
	// KeysDestroyed names the encryption keys destroyed with the data.
	KeysDestroyed []string   `json:"keys_destroyed"`
	Held          []HeldItem `json:"held"`
	Gateway       string     `json:"gateway"`
	CompletedAt   time.Time  `json:"completed_at"`
}

// SignedCertificate is a certificate file: the certificate and the signature over it
// (see signing: Ed25519 over the certificate's JSON without insignificant whitespace).
type SignedCertificate struct {
	Certificate json.RawMessage `json:"certificate"`
	Signature   string          `json:"signature"`
}

// CertificateKey is where the certificate of an erase request is stored.
func CertificateKey(requestID string) string { return CertificatePrefix + requestID + ".json" }

// certify is an erase's last step: it writes the signed certificate and names it in
// the result. Without a signer (tests of other parts) there is none.
func (s *Service) certify(ctx context.Context, res *EraseResult, p *plan) error {
	if s.o.Signer == nil {
		return nil
	}
	c := Certificate{
		Format: CertificateFormat, RequestID: res.RequestID, Status: res.Status, Scope: res.Scope,
		SubjectType: res.SubjectType, SubjectKey: res.SubjectKey, Call: res.Call, Subjects: res.Subjects,
		RequestedBy: res.RequestedBy, EraseCounts: res.EraseCounts,
		ObjectsDeleted: p.deleted(res.Scope), KeysDestroyed: p.KeysDestroyed, Held: res.Held,
		Gateway: s.o.Node, CompletedAt: res.CompletedAt,
	}
	if c.ObjectsDeleted == nil {
		c.ObjectsDeleted = []string{}
	}
	if c.KeysDestroyed == nil {
		c.KeysDestroyed = []string{}
	}
	if c.Held == nil {
		c.Held = []HeldItem{}
	}
	body, err := json.MarshalIndent(c, "  ", "  ")
	if err != nil {
		return fmt.Errorf("encoding the erasure certificate: %w", err)
	}
	sig, err := s.o.Signer.Sign(signing.KindCertificate, body)
	if err != nil {
		return fmt.Errorf("signing the erasure certificate: %w", err)
	}
	doc, err := json.MarshalIndent(SignedCertificate{Certificate: body, Signature: sig}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the erasure certificate: %w", err)
	}
	key := CertificateKey(res.RequestID)
	if err := s.o.Store.Put(ctx, key, bytes.NewReader(doc), int64(len(doc)), storage.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("storing the erasure certificate: %w", err)
	}
	res.Certificate = key
	res.CertificateURL = s.url(key, s.o.Export.Expires)
	return nil
}
