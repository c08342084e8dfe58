package decrypt

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/consent/keystore"
	"github.com/consentgw/consentgw/consent/sealing"
)

// KeyWrapper is what wraps the parties' keys by the configuration: Vault transit when
// encryption.vault.address is set (with the KEK, if there is one, still unwrapping the
// keys it wrapped before), else the KEK of encryption.kek or <data_dir>/kek.key, which
// create makes the first time.
func KeyWrapper(ctx context.Context, cfg *config.Config, create bool) (sealing.Wrapper, error) {
	e := cfg.Encryption
	load := sealing.LoadKEK
	if create && e.Vault.Address == "" {
		load = sealing.LoadOrCreateKEK
	}
	kek, err := load(cfg.DataDir, e.KEK, e.KEKPrevious...)
	if e.Vault.Address == "" {
		if err != nil {
			return nil, fmt.Errorf("encryption.kek: %w", err)
		}
		return kek, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("encryption.kek: %w", err)
	}
	v, verr := keystore.OpenVault(ctx, keystore.VaultOptions{
		Address: e.Vault.Address, Token: e.Vault.Token, Mount: e.Vault.Mount, Key: e.Vault.Key, CAFile: e.Vault.CA,
	})
	if verr != nil {
		return nil, fmt.Errorf("encryption.vault: %w", verr)
	}
	if kek == nil {
		return v, nil
	}
	return sealing.Wrappers{v, kek}, nil
}
