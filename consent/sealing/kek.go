package sealing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent/keyfile"
)

// Key files generated into data_dir when the configuration gives none.
const (
	// KEKFileName holds the key-encryption key (encryption.kek): it wraps every party key
	// in the key store. Nodes sharing a key store must share it.
	KEKFileName = "kek.key"
	// SpoolKeyFileName holds this node's spool key: it wraps the file keys of the
	// recordings in this node's spool, for crash repair, and nothing else.
	SpoolKeyFileName = "spool.key"
)

// ErrBadKEK means a configured key-encryption key is no age identity.
var ErrBadKEK = errors.New("sealing: not an age X25519 identity (AGE-SECRET-KEY-1…)")

// Wrapper wraps and unwraps the parties' private keys for the key store: the local
// key-encryption key (KEK), or an outside KMS (Vault transit).
type Wrapper interface {
	// ID names the key that wraps now; it is kept beside each wrapped key.
	ID() string
	Wrap(ctx context.Context, secret []byte) ([]byte, error)
	// Unwrap opens what the key named by id wrapped (this one, or an earlier one).
	Unwrap(ctx context.Context, id string, wrapped []byte) ([]byte, error)
}

// KEK is a key-encryption key held by the gateway: an age X25519 identity, with the
// identities it replaced for unwrapping keys wrapped before a rotation.
type KEK struct {
	current  *age.X25519Identity
	previous []*age.X25519Identity
}

// NewKEK parses the current key-encryption key and earlier ones (AGE-SECRET-KEY-1…).
func NewKEK(current string, previous ...string) (*KEK, error) {
	k := &KEK{}
	var err error
	if k.current, err = parseIdentity(current); err != nil {
		return nil, err
	}
	for i, p := range previous {
		id, err := parseIdentity(p)
		if err != nil {
			return nil, fmt.Errorf("previous key %d: %w", i+1, err)
		}
		k.previous = append(k.previous, id)
	}
	return k, nil
}

// LoadOrCreateKEK is the configured key-encryption key, or the one generated once into
// <dataDir>/kek.key.
func LoadOrCreateKEK(dataDir, configured string, previous ...string) (*KEK, error) {
	if configured == "" {
		var err error
		if configured, err = keyfile.LoadOrCreateText(dataDir, KEKFileName, generate); err != nil {
			return nil, err
		}
	}
	return NewKEK(configured, previous...)
}

// LoadKEK is like LoadOrCreateKEK but never makes a key (tools that only read).
func LoadKEK(dataDir, configured string, previous ...string) (*KEK, error) {
	if configured == "" {
		var err error
		if configured, err = keyfile.LoadText(dataDir, KEKFileName); err != nil {
			return nil, err
		}
	}
	return NewKEK(configured, previous...)
}

// LoadOrCreateSpoolKey is this node's spool key, generated once into
// <dataDir>/spool.key.
func LoadOrCreateSpoolKey(dataDir string) (*age.X25519Identity, error) {
	text, err := keyfile.LoadOrCreateText(dataDir, SpoolKeyFileName, generate)
	if err != nil {
		return nil, err
	}
	return parseIdentity(text)
}

func generate() (string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

func parseIdentity(s string) (*age.X25519Identity, error) {
	id, err := age.ParseX25519Identity(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadKEK, err)
	}
	return id, nil
}

// ID is the current key's KeyID.
func (k *KEK) ID() string { return KeyID(k.current.Recipient()) }

// Wrap seals secret to the current key.
func (k *KEK) Wrap(_ context.Context, secret []byte) ([]byte, error) {
	return Seal(secret, k.current.Recipient())
}

// Unwrap opens what this key or an earlier one wrapped.
func (k *KEK) Unwrap(_ context.Context, _ string, wrapped []byte) ([]byte, error) {
	ids := []age.Identity{k.current}
	for _, p := range k.previous {
		ids = append(ids, p)
	}
	secret, err := Open(wrapped, ids...)
	if err != nil {
		return nil, fmt.Errorf("unwrapping with the key-encryption key: %w", err)
	}
	return secret, nil
}

// Wrappers wraps with the first wrapper and unwraps with the one whose ID wrapped, so a
// deployment moving to another key-encryption key (the configuration's to Vault's) still
// opens the keys the earlier one wrapped.
type Wrappers []Wrapper

// ID is the first wrapper's.
func (w Wrappers) ID() string { return w[0].ID() }

// Wrap wraps with the first wrapper.
func (w Wrappers) Wrap(ctx context.Context, secret []byte) ([]byte, error) {
	return w[0].Wrap(ctx, secret)
}

// Unwrap opens with the wrapper named id, else with each in turn.
func (w Wrappers) Unwrap(ctx context.Context, id string, wrapped []byte) ([]byte, error) {
	for _, x := range w {
		if x.ID() == id {
			return x.Unwrap(ctx, id, wrapped)
		}
	}
	var errs []error
	for _, x := range w {
		secret, err := x.Unwrap(ctx, id, wrapped)
		if err == nil {
			return secret, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}
