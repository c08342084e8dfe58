package decrypt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/cmd/internal/bus"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/consent/keystore"
	"github.com/consentgw/consentgw/consent/sealing"
)

// Keys opens the deployment's key store for decrypting, as the configuration reaches it:
// its NATS (nats.url, or the embedded server at nats.listen) with its login, and what
// wraps its keys (KeyWrapper: encryption.kek or <data_dir>/kek.key, or Vault). The embedded server with
// nats.authorization users lets only the gateway itself in: then export the subject's
// data instead. done ends the connection.
func Keys(ctx context.Context, cfg *config.Config) (open sealing.Opener, done func(), err error) {
	kek, err := KeyWrapper(ctx, cfg, false)
	if err != nil {
		return nil, nil, err
	}
	url := cfg.NATS.URL
	if url == "" {
		url = "nats://" + cfg.NATS.Listen
	}
	c := cfg.NATS
	opts, err := bus.Auth{
		CredentialsFile: c.Credentials, NKeySeedFile: c.NKeySeedFile, User: c.User, Password: c.Password,
		TLS: bus.TLS{CA: c.TLS.CA, Cert: c.TLS.Cert, Key: c.TLS.Key},
	}.Options()
	if err != nil {
		return nil, nil, err
	}
	nc, err := nats.Connect(url, append(opts, nats.Name("consentgw-decrypt"), nats.Timeout(5*time.Second))...)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach the key store's NATS at %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err == nil {
		var kv *keystore.KV
		if kv, err = keystore.BindKV(ctx, keystore.KVOptions{JS: js, Wrapper: kek}); err == nil {
			return kv.Identities, nc.Close, nil
		}
	}
	nc.Close()
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil, fmt.Errorf("no key store at %s: %w", url, err)
	}
	return nil, nil, err
}
