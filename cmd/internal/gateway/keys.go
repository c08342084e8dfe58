package gateway

import (
	"context"
	"fmt"
	"strings"

	"filippo.io/age"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/decrypt"
	"github.com/consentgw/consentgw/consent/keystore"
	"github.com/consentgw/consentgw/consent/sealing"
)

// openKeys opens the key store of the parties' keys and picks what new recordings are
// encrypted to (encryption.mode). The key store is opened in every mode: erases destroy,
// and exports read, the keys of recordings made before a change of mode. Every node of a
// deployment must wrap keys the same way: a node with another key-encryption key would
// make keys the others cannot unwrap, so it does not start.
func (g *Gateway) openKeys() error {
	c := g.cfg.Encryption
	var err error
	if g.spoolKey, err = sealing.LoadOrCreateSpoolKey(g.cfg.DataDir); err != nil {
		return fmt.Errorf("encryption: the spool key: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	wrapper, err := decrypt.KeyWrapper(ctx, g.cfg, true)
	if err != nil {
		return err
	}
	store, err := keystore.OpenKV(ctx, keystore.KVOptions{
		JS: g.bus.JS, Replicas: g.cfg.NATS.Replicas, Wrapper: wrapper, RotateAfter: c.RotateAfter.Std(), Logger: g.log,
	})
	if err != nil {
		return err
	}
	if err := g.registry.CheckSame(ctx, "key-encryption-key", wrapper.ID()); err != nil {
		return fmt.Errorf("encryption.kek: %w", err)
	}
	g.keyStore = store
	switch c.Mode {
	case config.EncryptionKeys:
		g.recordKeys = store
	case config.EncryptionPublicKey:
		var fixed sealing.Fixed
		for _, r := range c.Recipients {
			rec, err := age.ParseX25519Recipient(strings.TrimSpace(r))
			if err != nil {
				return fmt.Errorf("encryption.recipients: %w", err) // validated by config
			}
			fixed = append(fixed, rec)
		}
		g.recordKeys = fixed
	}
	return nil
}

// KeyStore is the key store of the parties' keys.
func (g *Gateway) KeyStore() *keystore.KV { return g.keyStore }
