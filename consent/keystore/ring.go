package keystore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent/sealing"
)

// RingFormat names the layout of a key ring, the value of a party's entry.
const RingFormat = "consentgw-keyring/1"

// Ring is a party's keys, oldest first: the newest encrypts new audio, every one still
// decrypts what was encrypted to it. Private keys are wrapped; public keys are in clear.
type Ring struct {
	Format string    `json:"format"`
	Name   string    `json:"name"`
	Keys   []RingKey `json:"keys"`
}

// RingKey is one key pair of a ring.
type RingKey struct {
	KeyID     string    `json:"kid"`
	Recipient string    `json:"recipient"` // age1…
	Wrapped   []byte    `json:"wrapped"`   // the AGE-SECRET-KEY-1… identity, wrapped
	WrappedBy string    `json:"wrapped_by"`
	CreatedAt time.Time `json:"created_at"`
}

// newKey makes a key pair and wraps its private half.
func newKey(ctx context.Context, w sealing.Wrapper, now time.Time) (RingKey, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return RingKey{}, fmt.Errorf("making a party key: %w", err)
	}
	wrapped, err := w.Wrap(ctx, []byte(id.String()))
	if err != nil {
		return RingKey{}, fmt.Errorf("wrapping a party key: %w: %w", ErrUnavailable, err)
	}
	r := id.Recipient()
	return RingKey{KeyID: sealing.KeyID(r), Recipient: r.String(), Wrapped: wrapped, WrappedBy: w.ID(), CreatedAt: now.UTC()}, nil
}

// current is the newest key as a public key.
func (r *Ring) current() (sealing.PublicKey, error) {
	if len(r.Keys) == 0 {
		return sealing.PublicKey{}, fmt.Errorf("key ring %s is empty: %w", r.Name, sealing.ErrNoKey)
	}
	k := r.Keys[len(r.Keys)-1]
	rec, err := age.ParseX25519Recipient(k.Recipient)
	if err != nil {
		return sealing.PublicKey{}, fmt.Errorf("key ring %s: %w", r.Name, err)
	}
	return sealing.PublicKey{Name: r.Name, KeyID: k.KeyID, Recipients: []*age.X25519Recipient{rec}}, nil
}

// due reports whether the newest key is older than rotate (0: never).
func (r *Ring) due(rotate time.Duration, now time.Time) bool {
	return rotate > 0 && len(r.Keys) > 0 && now.Sub(r.Keys[len(r.Keys)-1].CreatedAt) >= rotate
}

// identities unwraps every key, newest first.
func (r *Ring) identities(ctx context.Context, w sealing.Wrapper) ([]age.Identity, error) {
	var out []age.Identity
	for i := len(r.Keys) - 1; i >= 0; i-- {
		k := r.Keys[i]
		secret, err := w.Unwrap(ctx, k.WrappedBy, k.Wrapped)
		if err != nil {
			return nil, fmt.Errorf("key %s of %s: %w", k.KeyID, r.Name, err)
		}
		id, err := age.ParseX25519Identity(string(secret))
		clear(secret)
		if err != nil {
			return nil, fmt.Errorf("key %s of %s: %w", k.KeyID, r.Name, err)
		}
		out = append(out, id)
	}
	return out, nil
}

// keyIDs lists the ring's key ids.
func (r *Ring) keyIDs() []string {
	var out []string
	for _, k := range r.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

func decodeRing(name string, b []byte) (*Ring, error) {
	var r Ring
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading key ring %s: %w", sealing.LogName(name), err)
	}
	if r.Format != RingFormat {
		return nil, fmt.Errorf("reading key ring %s: format %q, want %s", sealing.LogName(name), r.Format, RingFormat)
	}
	return &r, nil
}
