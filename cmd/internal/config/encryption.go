package config

import (
	"net/netip"
	"net/url"
	"strings"

	"filippo.io/age"
)

// Encryption configures encryption at rest of the recordings and of the receipts' Call-IDs
// (README "Encryption at rest").
type Encryption struct {
	// Mode is keys (each party's channel encrypted to the party's own key, kept in the
	// key store; an erase destroys the subject's keys), public_key (every channel
	// encrypted to Recipients: the gateway cannot read a recording after the call) or
	// off (plain stereo WAVs).
	Mode string `yaml:"mode"`
	// KEK is the key-encryption key that wraps the parties' keys in the key store, an age
	// identity (AGE-SECRET-KEY-1…); "" = generated once into <data_dir>/kek.key. Nodes
	// sharing a key store share it. KEKPrevious are keys it replaced, which still unwrap
	// the keys made before.
	KEK         string   `yaml:"kek"`
	KEKPrevious []string `yaml:"kek_previous"`
	// RotateAfter gives a party a new key for new audio once its newest is this old; the
	// older keys stay for what they encrypted. 0 = never.
	RotateAfter Duration `yaml:"rotate_after"`
	// Recipients are the age X25519 public keys (age1…) every channel is encrypted to in
	// public_key mode.
	Recipients []string `yaml:"recipients"`
	// Vault, when its address is set, wraps the parties' keys with a Vault transit key
	// instead of KEK: the key-encryption key never leaves Vault.
	Vault Vault `yaml:"vault"`
}

// Vault is a Vault server's transit secrets engine.
type Vault struct {
	Address string `yaml:"address"` // e.g. https://vault:8200; "" = no Vault
	Token   string `yaml:"token"`
	Mount   string `yaml:"mount"` // where the transit engine is mounted
	Key     string `yaml:"key"`   // the transit key's name
	CA      string `yaml:"ca"`    // PEM file verifying the server; "" = system roots
}

// What encryption.mode may say.
const (
	EncryptionKeys      = "keys"
	EncryptionPublicKey = "public_key"
	EncryptionOff       = "off"
)

func (v *validator) encryption() {
	e := v.c.Encryption
	switch e.Mode {
	case EncryptionKeys, EncryptionOff:
		if len(e.Recipients) > 0 {
			v.check("encryption.recipients", invalid("only with encryption.mode %q", EncryptionPublicKey))
		}
	case EncryptionPublicKey:
		if len(e.Recipients) == 0 {
			v.check("encryption.recipients", invalid("must name at least one age recipient (age1…) with encryption.mode %q", EncryptionPublicKey))
		}
	default:
		v.check("encryption.mode", invalid("%q: want %q, %q or %q", e.Mode, EncryptionKeys, EncryptionPublicKey, EncryptionOff))
	}
	if e.KEK != "" {
		v.check("encryption.kek", ageIdentity(e.KEK))
	}
	for i, k := range e.KEKPrevious {
		v.check(indexPath("encryption.kek_previous", i), ageIdentity(k))
	}
	for i, r := range e.Recipients {
		if _, err := age.ParseX25519Recipient(strings.TrimSpace(r)); err != nil {
			v.check(indexPath("encryption.recipients", i), invalid("not an age X25519 recipient (age1…)"))
		}
	}
	if e.RotateAfter < 0 {
		v.check("encryption.rotate_after", invalid("%s must not be negative", e.RotateAfter))
	}
	if a := e.Vault.Address; a != "" {
		switch u, err := url.Parse(a); {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			v.check("encryption.vault.address", invalid("%q: want http(s)://host:port", a))
		case u.Scheme == "http" && !loopbackHost(u.Hostname()):
			// transit/decrypt answers with the parties' private keys, and the token goes
			// with every request: in clear only to this machine.
			v.check("encryption.vault.address", invalid("%q: plain http only to a loopback address; use https", a))
		}
		if e.Vault.Token == "" {
			v.check("encryption.vault.token", invalid("must be set with encryption.vault.address (CONSENTGW_ENCRYPTION_VAULT_TOKEN keeps it out of the file)"))
		}
		if e.Vault.Mount == "" || e.Vault.Key == "" {
			v.check("encryption.vault.key", invalid("encryption.vault.mount and key must not be empty"))
		}
	}
}

// loopbackHost reports whether host is localhost or a loopback IP address.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// ageIdentity checks a key-encryption key without saying anything of it.
func ageIdentity(s string) error {
	if _, err := age.ParseX25519Identity(strings.TrimSpace(s)); err != nil {
		return invalid("not an age X25519 identity (AGE-SECRET-KEY-1…; make one with age-keygen)")
	}
	return nil
}
