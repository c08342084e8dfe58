package sealing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent"
)

// ErrNoKey means a party has no key (it never had one, or an erase destroyed it).
var ErrNoKey = errors.New("sealing: no key for this party")

// Key names in the key store. A party's key is named by its subjects' keys, sorted:
// "party.<subject-key>" for one subject, "party.<key-1>.<key-2>" for a caller known by
// number and customer id. Erasing either of them destroys that key, so the caller's
// channel goes with whichever of their identities is erased. A party without any subject
// (an anonymous caller) gets a key of its call alone: "call.<receipt-id>.<party>".
const (
	partyPrefix = "party."
	callPrefix  = "call."
)

// PartyKeyName is the key store's name of the key of a party with these subjects, on the
// call id (used only when the party has no subject).
func PartyKeyName(subjects []consent.SubjectRef, callID, party string) string {
	var keys []string
	for _, s := range subjects {
		if validToken(s.Key) {
			keys = append(keys, s.Key)
		}
	}
	if len(keys) == 0 {
		return callPrefix + callID + "." + party
	}
	slices.Sort(keys)
	return partyPrefix + strings.Join(slices.Compact(keys), ".")
}

// logKeyLen hex characters of a subject key are enough to tell key names apart in logs
// and errors, as consent/subject.Redact shortens subject keys.
const logKeyLen = 12

// LogName shortens the subject keys in a key name for logs and errors: the full name is
// the subject's pseudonym, which logs carry only shortened.
func LogName(name string) string {
	if !strings.HasPrefix(name, partyPrefix) {
		return name // call.<receipt-id>.<party>: no subject in it
	}
	parts := strings.Split(strings.TrimPrefix(name, partyPrefix), ".")
	for i, p := range parts {
		if len(p) > logKeyLen {
			parts[i] = p[:logKeyLen] + "…"
		}
	}
	return partyPrefix + strings.Join(parts, ".")
}

// SubjectFilters are the key-store name filters (NATS subject wildcards) that match every
// party key naming the subject: alone, first or second of two.
func SubjectFilters(subjectKey string) []string {
	return []string{partyPrefix + subjectKey, partyPrefix + subjectKey + ".*", partyPrefix + "*." + subjectKey}
}

// CallKeyFilter matches the keys of a call's parties that had no subject.
func CallKeyFilter(callID string) string { return callPrefix + callID + ".*" }

// validToken: subject keys are lowercase hex, one NATS subject token.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// PublicKey is what a party's channel is encrypted to: the key store's key of the party
// (Name and KeyID set), or the deployment's own recipients in public-key mode.
type PublicKey struct {
	Name       string // the key store's name; "" in public-key mode
	KeyID      string
	Recipients []*age.X25519Recipient
}

// AgeRecipients is Recipients as age.Recipient values.
func (k PublicKey) AgeRecipients() []age.Recipient {
	out := make([]age.Recipient, len(k.Recipients))
	for i, r := range k.Recipients {
		out[i] = r
	}
	return out
}

// Strings is Recipients in their age1… form, for metadata.
func (k PublicKey) Strings() []string {
	out := make([]string, len(k.Recipients))
	for i, r := range k.Recipients {
		out[i] = r.String()
	}
	return out
}

// KeyID names a public key without being it: the first 8 bytes of the SHA-256 of its age1…
// form, in hex, as the signing key's id is made.
func KeyID(r *age.X25519Recipient) string {
	sum := sha256.Sum256([]byte(r.String()))
	return hex.EncodeToString(sum[:8])
}

// Fixed is public-key mode's key source: every party's channel is encrypted to the same
// recipients, whose identities the gateway does not hold.
type Fixed []*age.X25519Recipient

// Current returns the recipients, whatever the party.
func (f Fixed) Current(context.Context, string) (PublicKey, error) {
	if len(f) == 0 {
		return PublicKey{}, ErrNoKey
	}
	return PublicKey{KeyID: KeyID(f[0]), Recipients: f}, nil
}
