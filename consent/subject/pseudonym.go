package subject

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// MinKeyLen is the shortest HMAC key accepted. Phone numbers are few enough
// to enumerate, so the pseudonym is only as strong as the key's secrecy.
const MinKeyLen = 16

// Pseudonymizer turns subjects into subject keys (SPEC §5).
type Pseudonymizer struct {
	key []byte
}

// NewPseudonymizer returns a Pseudonymizer keyed with a copy of key.
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < MinKeyLen {
		return nil, ErrShortKey
	}
	return &Pseudonymizer{key: append([]byte(nil), key...)}, nil
}

// Key returns the subject key: lowercase hex HMAC-SHA256(key, "TYPE:VALUE").
// s must already be normalized (see Normalize and NormalizedKey): Key does
// not guess, so that one subject never ends up under two keys.
func (p *Pseudonymizer) Key(s Subject) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(string(s.Type) + ":" + s.Value))
	return hex.EncodeToString(m.Sum(nil))
}

// CallIDKey is the key of a SIP Call-ID: HMAC-SHA256 of "call-id:" and the Call-ID as
// received. Logs and events name a call by it, since trunks put the caller's number in
// the Call-ID; an operator who has a Call-ID from a trunk's CDR computes the same key
// (consentgw pseudonym) to find the call.
func (p *Pseudonymizer) CallIDKey(callID string) string {
	return p.Key(Subject{Type: TypeCallID, Value: callID})
}

// NormalizedKey normalizes s and returns its subject key, the one step the
// call path and the rights service both need.
func (p *Pseudonymizer) NormalizedKey(s Subject, defaultRegion string) (string, error) {
	n, err := Normalize(s, defaultRegion)
	if err != nil {
		return "", fmt.Errorf("keying subject: %w", err)
	}
	return p.Key(n), nil
}

// redactLen hex characters (48 bits) tell keys apart in logs without
// making the log a usable index of subjects.
const redactLen = 12

// Redact shortens a subject key for logs. Pass it keys only, never values.
func Redact(subjectKey string) string {
	if len(subjectKey) <= redactLen {
		return subjectKey
	}
	return subjectKey[:redactLen] + "…"
}
