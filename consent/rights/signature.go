package rights

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// SignatureHeader carries a request's signature: "NAME:MAC", where NAME is the requester
// whose key signed and MAC the unpadded base64url HMAC-SHA256 of signedText. With
// request keys configured, NATS permissions decide who may publish a verb and the
// signature decides who the requester is: a client allowed to publish erase requests
// cannot pass as another requester, nor turn a signed erase into an export.
const SignatureHeader = "Consentgw-Signature"

// minSigningKey keeps keys out of guessing range (RFC 2104 §3: at least the hash length
// is recommended).
const minSigningKey = 32

// SigningKey is one requester's HMAC key.
type SigningKey struct {
	Name string
	Key  []byte
}

// ParseSigningKey reads "NAME:BASE64" (standard base64 of at least 32 bytes), the form
// of nats.request_keys entries and of the CLI's --sign-key file.
func ParseSigningKey(s string) (SigningKey, error) {
	name, b64, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || !validSigner(name) {
		return SigningKey{}, fmt.Errorf("want NAME:BASE64KEY with NAME of letters, digits, '.', '_', '@' or '-'")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < minSigningKey {
		return SigningKey{}, fmt.Errorf("the key of %q must be the base64 of at least %d random bytes (openssl rand -base64 32)", name, minSigningKey)
	}
	return SigningKey{Name: name, Key: key}, nil
}

func validSigner(name string) bool {
	if name == "" || len(name) > maxByLen {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '@' || c == '-') {
			return false
		}
	}
	return true
}

// signedText binds the MAC to the verb as well as the payload.
func signedText(verb Verb, payload []byte) []byte {
	return append([]byte("consentgw-request-v1\n"+string(verb)+"\n"), payload...)
}

// Sign returns the SignatureHeader value for a request of verb with payload.
func (k SigningKey) Sign(verb Verb, payload []byte) string {
	mac := hmac.New(sha256.New, k.Key)
	mac.Write(signedText(verb, payload))
	return k.Name + ":" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Verifier holds the requesters' keys by name. An empty Verifier accepts unsigned
// requests (signing is off).
type Verifier map[string][]byte

// NewVerifier indexes keys by name; a name given twice is an error.
func NewVerifier(keys []SigningKey) (Verifier, error) {
	v := Verifier{}
	for _, k := range keys {
		if _, dup := v[k.Name]; dup {
			return nil, fmt.Errorf("requester %q has two keys", k.Name)
		}
		v[k.Name] = k.Key
	}
	return v, nil
}

// Verify checks header against the payload and returns who signed. Every failure is an
// ErrRejected that names no key material.
func (v Verifier) Verify(verb Verb, payload []byte, header string) (string, error) {
	if header == "" {
		return "", reject("request is not signed: this gateway requires a " + SignatureHeader + " header")
	}
	name, sig, ok := strings.Cut(header, ":")
	key, known := v[name]
	if !ok || !known {
		return "", reject("request is signed by an unknown requester")
	}
	// The signature is compared in its encoded form: a decoder would also accept other
	// spellings of the same bytes (line breaks, non-zero trailing bits, RFC 4648 §3.3
	// and §3.5), and an altered header must never pass.
	mac := hmac.New(sha256.New, key)
	mac.Write(signedText(verb, payload))
	want := base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return "", reject("request signature does not match the request")
	}
	return name, nil
}
