package keystore

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	vault "github.com/hashicorp/vault/api"
)

// VaultOptions name a Vault server's transit key.
type VaultOptions struct {
	Address string
	Token   string
	Mount   string // where the transit secrets engine is mounted
	Key     string // the transit key's name; made (aes256-gcm96) if missing
	CAFile  string // PEM verifying the server; "" = system roots
}

// Vault wraps the parties' private keys with a Vault transit key (transit/encrypt,
// transit/decrypt): the key-encryption key never leaves Vault, and Vault's own
// credentials, audit log and policies stand between the key store and the audio.
type Vault struct {
	c          *vault.Client
	mount, key string
}

// OpenVault connects to Vault and makes sure the transit key exists.
func OpenVault(ctx context.Context, o VaultOptions) (*Vault, error) {
	cfg := vault.DefaultConfig()
	cfg.Address = o.Address
	if o.CAFile != "" {
		if err := cfg.ConfigureTLS(&vault.TLSConfig{CACert: o.CAFile}); err != nil {
			return nil, fmt.Errorf("keystore: vault TLS: %w", err)
		}
	}
	c, err := vault.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("keystore: vault client: %w", err)
	}
	c.SetToken(o.Token)
	v := &Vault{c: c, mount: o.Mount, key: o.Key}
	if !v.exists(ctx) {
		if _, err := c.Logical().WriteWithContext(ctx, v.mount+"/keys/"+v.key, map[string]any{"type": "aes256-gcm96"}); err != nil {
			return nil, fmt.Errorf("keystore: vault transit key %s/keys/%s is not there and could not be made: %w: %w", v.mount, v.key, ErrUnavailable, err)
		}
	}
	return v, nil
}

func (v *Vault) exists(ctx context.Context) bool {
	s, err := v.c.Logical().ReadWithContext(ctx, v.mount+"/keys/"+v.key)
	return err == nil && s != nil
}

// ID names the transit key, whatever the address a node reaches Vault by.
func (v *Vault) ID() string { return "vault:" + v.mount + "/" + v.key }

// Wrap encrypts secret with the transit key; the result is Vault's "vault:v1:…" text.
func (v *Vault) Wrap(ctx context.Context, secret []byte) ([]byte, error) {
	s, err := v.c.Logical().WriteWithContext(ctx, v.mount+"/encrypt/"+v.key, map[string]any{
		"plaintext": base64.StdEncoding.EncodeToString(secret),
	})
	if err != nil {
		return nil, fmt.Errorf("vault transit encrypt: %w", err)
	}
	ct, ok := s.Data["ciphertext"].(string)
	if !ok {
		return nil, errors.New("vault transit encrypt: no ciphertext in the answer")
	}
	return []byte(ct), nil
}

// Unwrap decrypts what Wrap wrapped.
func (v *Vault) Unwrap(ctx context.Context, _ string, wrapped []byte) ([]byte, error) {
	s, err := v.c.Logical().WriteWithContext(ctx, v.mount+"/decrypt/"+v.key, map[string]any{"ciphertext": string(wrapped)})
	if err != nil {
		var re *vault.ResponseError
		if errors.As(err, &re) && re.StatusCode >= http.StatusInternalServerError {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return nil, fmt.Errorf("vault transit decrypt: %w", err)
	}
	pt, ok := s.Data["plaintext"].(string)
	if !ok {
		return nil, errors.New("vault transit decrypt: no plaintext in the answer")
	}
	return base64.StdEncoding.DecodeString(pt)
}
