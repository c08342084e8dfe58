package bus

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
)

// Auth is how a client authenticates to an external NATS server. At most one of
// CredentialsFile, NKeySeedFile and User is used; TLS applies with any of them.
type Auth struct {
	// CredentialsFile is a .creds file (user JWT and nkey seed), for decentralised auth.
	CredentialsFile string
	// NKeySeedFile holds an nkey seed ("SU…").
	NKeySeedFile string
	User         string
	Password     string
	TLS          TLS
}

// TLS names the PEM files of a TLS connection. CA alone verifies the server with a
// private CA; Cert and Key together authenticate the client.
type TLS struct {
	CA   string
	Cert string
	Key  string
}

// Options turns a into nats.go options, reading the files now so that a wrong path is an
// error at start, not a reconnect loop later.
func (a Auth) Options() ([]nats.Option, error) {
	var opts []nats.Option
	n := 0
	if a.CredentialsFile != "" {
		n++
		if _, err := os.Stat(a.CredentialsFile); err != nil {
			return nil, fmt.Errorf("bus: nats.credentials: %w", err)
		}
		opts = append(opts, nats.UserCredentials(a.CredentialsFile))
	}
	if a.NKeySeedFile != "" {
		n++
		opt, err := nats.NkeyOptionFromSeed(a.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("bus: nats.nkey_seed_file: %w", err)
		}
		opts = append(opts, opt)
	}
	if a.User != "" {
		n++
		opts = append(opts, nats.UserInfo(a.User, a.Password))
	}
	if n > 1 {
		return nil, fmt.Errorf("bus: %w", ErrAuthConflict)
	}
	if a.TLS != (TLS{}) {
		cfg, err := a.TLS.config()
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(cfg))
	}
	return opts, nil
}

func (t TLS) config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return nil, fmt.Errorf("bus: nats.tls.ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("bus: nats.tls.ca %s: %w", t.CA, ErrNoCertificates)
		}
		cfg.RootCAs = pool
	}
	if (t.Cert == "") != (t.Key == "") {
		return nil, fmt.Errorf("bus: nats.tls: %w", ErrCertWithoutKey)
	}
	if t.Cert != "" {
		pair, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("bus: nats.tls.cert/key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
