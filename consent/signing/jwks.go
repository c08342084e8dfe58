package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// WellKnownPath is where a gateway publishes its keys over HTTP.
const WellKnownPath = "/.well-known/consentgw-keys"

// JWK is one key of a JSON Web Key Set: an Ed25519 key is kty OKP, crv Ed25519, with the
// public key in x (RFC 8037 §2).
type JWK struct {
	KTY string `json:"kty"`
	CRV string `json:"crv"`
	X   string `json:"x"`
	KID string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS is the document at WellKnownPath (RFC 7517 §5).
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWKS returns ks as a key set document.
func (ks KeySet) JWKS() JWKS {
	doc := JWKS{Keys: []JWK{}}
	for _, k := range ks {
		doc.Keys = append(doc.Keys, JWK{KTY: "OKP", CRV: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.Key),
			KID: k.ID, Alg: "EdDSA", Use: "sig"})
	}
	return doc
}

// maxJWKS bounds a key set read from outside.
const maxJWKS = 1 << 20

// ParseJWKS reads a key set document, as served at WellKnownPath. Keys of other types
// are skipped; a key whose id is not the one its bytes give is refused.
func ParseJWKS(r io.Reader) (KeySet, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxJWKS+1))
	if err != nil {
		return nil, fmt.Errorf("reading key set: %w", err)
	}
	if len(data) > maxJWKS {
		return nil, fmt.Errorf("%w: key set larger than %d bytes", ErrBadKey, maxJWKS)
	}
	var doc JWKS
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: key set is not JSON: %w", ErrBadKey, err)
	}
	var ks KeySet
	for _, k := range doc.Keys {
		if k.KTY != "OKP" || k.CRV != "Ed25519" {
			continue
		}
		pub, err := ParsePublicKey(k.X)
		if err != nil {
			return nil, err
		}
		if k.KID != "" && k.KID != pub.ID {
			return nil, fmt.Errorf("%w: key %s has the id of another key", ErrBadKey, k.KID)
		}
		ks = append(ks, pub)
	}
	if len(ks) == 0 {
		return nil, errors.Join(ErrBadKey, errors.New("the key set holds no Ed25519 key"))
	}
	return ks, nil
}

// ParsePublicKey reads a public key in base64 (url-safe unpadded, as in a JWK, or
// standard).
func ParsePublicKey(s string) (PublicKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.StdEncoding.DecodeString(s)
	}
	if err != nil || len(b) != ed25519.PublicKeySize {
		return PublicKey{}, fmt.Errorf("%w: a public key is %d bytes of base64", ErrBadKey, ed25519.PublicKeySize)
	}
	pub := ed25519.PublicKey(b)
	return PublicKey{ID: keyID(pub), Key: pub}, nil
}
