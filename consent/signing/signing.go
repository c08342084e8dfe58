// Package signing is the deployment's Ed25519 key (RFC 8032) and what it signs: consent
// receipts when they are stored, so a receipt handed out in an export can be shown
// unaltered (GDPR Art. 7(1): the controller must be able to demonstrate consent), and
// erasure certificates. The public key is published at /.well-known/consentgw-keys as a
// JSON Web Key Set (RFC 7517, OKP keys of RFC 8037).
package signing

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/consentgw/consentgw/consent/keyfile"
)

// KeyFileName is the file in data_dir holding the generated key's seed.
const KeyFileName = "signing.key"

// Kinds of signed documents. The kind is part of the signed text, so a receipt's
// signature can never pass for a certificate's.
const (
	KindReceipt     = "receipt"
	KindCertificate = "erasure-certificate"
)

// Errors of Verify and the parsers.
var (
	ErrBadSignature = errors.New("signing: signature does not match the document")
	ErrUnknownKey   = errors.New("signing: signed by a key that is not among the trusted keys")
	ErrMalformed    = errors.New("signing: malformed signature")
	ErrBadKey       = errors.New("signing: invalid key")
)

// alg is the only algorithm: the prefix of every signature string.
const alg = "ed25519"

// Key is the deployment's private key.
type Key struct {
	priv ed25519.PrivateKey
	pub  PublicKey
}

// PublicKey is a verification key and its id (the first 8 bytes of its SHA-256, hex).
type PublicKey struct {
	ID  string
	Key ed25519.PublicKey
}

// NewKey makes a Key from a 32-byte seed.
func NewKey(seed []byte) (*Key, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: seed has %d bytes, want %d", ErrBadKey, len(seed), ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return &Key{priv: priv, pub: PublicKey{ID: keyID(pub), Key: pub}}, nil
}

// LoadOrCreate returns the configured key (rights.signing_key: standard base64 of a
// 32-byte seed), or the one in <dataDir>/signing.key, generated the first time.
func LoadOrCreate(dataDir, configured string) (*Key, error) {
	if configured != "" {
		seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(configured))
		if err != nil {
			return nil, fmt.Errorf("%w: not standard base64 (openssl rand -base64 32)", ErrBadKey)
		}
		return NewKey(seed)
	}
	seed, err := keyfile.LoadOrCreate(dataDir, KeyFileName, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return NewKey(seed[:ed25519.SeedSize])
}

// Load is LoadOrCreate for tools that only verify: it never creates a key file.
func Load(dataDir, configured string) (*Key, error) {
	if configured != "" {
		return LoadOrCreate(dataDir, configured)
	}
	seed, err := keyfile.Load(dataDir, KeyFileName, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return NewKey(seed[:ed25519.SeedSize])
}

func keyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Public is the key to verify with.
func (k *Key) Public() PublicKey { return k.pub }

// signedText is what a signature covers: a fixed label, the kind, and the document's
// JSON with insignificant whitespace removed, so that a pretty-printed copy still
// verifies while any change to a name or value does not.
func signedText(kind string, doc []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("consentgw-signed-v1\n" + kind + "\n")
	if err := json.Compact(&buf, doc); err != nil {
		return nil, fmt.Errorf("signing: the document is not JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// Sign signs a JSON document of kind and returns the signature in its text form,
// "ed25519:<key id>:<base64url signature>".
func (k *Key) Sign(kind string, doc []byte) (string, error) {
	text, err := signedText(kind, doc)
	if err != nil {
		return "", err
	}
	return alg + ":" + k.pub.ID + ":" + base64.RawURLEncoding.EncodeToString(ed25519.Sign(k.priv, text)), nil
}

// Signature is a parsed signature string.
type Signature struct {
	KeyID string
	Sig   []byte
}

// ParseSignature reads "ed25519:<key id>:<base64url>".
func ParseSignature(s string) (Signature, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != 3 || parts[0] != alg || parts[1] == "" {
		return Signature{}, fmt.Errorf("%w: want ed25519:<key id>:<base64url>", ErrMalformed)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Signature{}, fmt.Errorf("%w: the signature is not %d bytes of unpadded base64url", ErrMalformed, ed25519.SignatureSize)
	}
	return Signature{KeyID: parts[1], Sig: sig}, nil
}

// KeySet is the keys a verifier trusts.
type KeySet []PublicKey

// Verify checks signature over the JSON document of kind and returns the id of the key
// that signed it.
func (ks KeySet) Verify(kind string, doc []byte, signature string) (string, error) {
	sig, err := ParseSignature(signature)
	if err != nil {
		return "", err
	}
	text, err := signedText(kind, doc)
	if err != nil {
		return "", err
	}
	for _, k := range ks {
		if k.ID != sig.KeyID {
			continue
		}
		if !ed25519.Verify(k.Key, text, sig.Sig) {
			return sig.KeyID, ErrBadSignature
		}
		return sig.KeyID, nil
	}
	return sig.KeyID, fmt.Errorf("%w (key id %s)", ErrUnknownKey, sig.KeyID)
}

// MetaKey is the object metadata key under which a stored receipt's signature is kept.
const MetaKey = "signature"
