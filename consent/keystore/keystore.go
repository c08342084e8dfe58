// Package keystore keeps the parties' keys (consent/sealing) apart from the recordings
// they unlock: each party's key ring, its private keys wrapped by a key-encryption key
// (sealing.Wrapper: the configuration's KEK, or Vault transit), in a JetStream key-value
// bucket (CONSENTGW_KEYS, history 1, replicated like the gateway's streams). Only the
// gateway's NATS login reaches the bucket, and the key-encryption key is never in the
// object store, so neither a copy of the bucket nor the store's credentials can read a
// recording.
//
// Destroying a subject's keys deletes each ring's one message on every replica with the
// stream's secure delete (the bytes are overwritten, not just unlinked), after which no
// copy of that party's channels, wherever it went, can be decrypted.
package keystore

import (
	"context"
	"errors"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent/sealing"
)

// Bucket is the key-value bucket of key rings.
const Bucket = "CONSENTGW_KEYS"

// ErrUnavailable wraps every failure to reach the key store, so a call can say why its
// recording did not start.
var ErrUnavailable = errors.New("keystore: the key store is unavailable")

// Store keeps the parties' keys. Current may make a key; the others only read or destroy.
// None is ever called on the media path: keys are fetched when a call is answered.
type Store interface {
	// Current is the party's key to encrypt new audio to: its newest, or a new one when it
	// has none yet or its newest is older than the rotation period.
	Current(ctx context.Context, name string) (sealing.PublicKey, error)
	// Identities are the private keys of every key the party has had, newest first, for
	// decrypting; sealing.ErrNoKey when it has none (never had, or destroyed).
	Identities(ctx context.Context, name string) ([]age.Identity, error)
	// DestroySubject destroys every party key naming the subject and returns their key
	// ids.
	DestroySubject(ctx context.Context, subjectKey string) ([]string, error)
	// DestroyCall destroys the keys of a call's parties that had no subject.
	DestroyCall(ctx context.Context, callID string) ([]string, error)
}
