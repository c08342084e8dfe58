package config

import (
	"maps"
	"net/url"
	"slices"
	"strings"
)

// redactedMark replaces a secret that is set, so a printout shows it exists.
const redactedMark = "REDACTED"

// Redacted returns a copy safe to print or log: storage.s3.secret_key, subjects.hmac_key,
// rights.signing_key, encryption.kek and kek_previous, encryption.vault.token, nats.password, the passwords of sip.auth.users, the keys of
// nats.request_keys, the hashes and nkeys of nats.authorization and any password in
// nats.url are replaced (empty secrets stay empty).
func (c *Config) Redacted() *Config {
	r := *c
	r.SIP.Listen = slices.Clone(c.SIP.Listen)
	r.Routes = slices.Clone(c.Routes)
	r.origins = maps.Clone(c.origins)
	r.Storage.S3.SecretKey = redact(c.Storage.S3.SecretKey)
	r.Storage.S3.SSECKey = redact(c.Storage.S3.SSECKey)
	r.Subjects.HMACKey = redact(c.Subjects.HMACKey)
	r.Rights.SigningKey = redact(c.Rights.SigningKey)
	r.Encryption.KEK = redact(c.Encryption.KEK)
	r.Encryption.KEKPrevious = make([]string, len(c.Encryption.KEKPrevious))
	for i, k := range c.Encryption.KEKPrevious {
		r.Encryption.KEKPrevious[i] = redact(k)
	}
	r.Encryption.Vault.Token = redact(c.Encryption.Vault.Token)
	r.Encryption.Recipients = slices.Clone(c.Encryption.Recipients)
	r.Retention = slices.Clone(c.Retention)
	r.NATS.URL = redactURLs(c.NATS.URL)
	r.NATS.Password = redact(c.NATS.Password)
	r.NATS.RequestKeys = redactEntries(c.NATS.RequestKeys)
	r.NATS.Authorization = NATSAuthorization{
		CRM: redactEntries(c.NATS.Authorization.CRM), DPO: redactEntries(c.NATS.Authorization.DPO),
		CallControl: redactEntries(c.NATS.Authorization.CallControl),
	}
	r.SIP.Trusted = slices.Clone(c.SIP.Trusted)
	r.SIP.Auth.Users = redactEntries(c.SIP.Auth.Users)
	r.Exports.Recipients = slices.Clone(c.Exports.Recipients)
	return &r
}

// redactEntries keeps the names of "NAME:SECRET" entries and hides their secrets.
func redactEntries(entries []string) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		name, _, _ := strings.Cut(e, ":")
		out[i] = name + ":" + redactedMark
	}
	return out
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return redactedMark
}

func redactURLs(list string) string {
	if list == "" {
		return ""
	}
	parts := strings.Split(list, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = redactedMark // unparseable: may hold anything
			continue
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), redactedMark)
		} else if u.User != nil {
			u.User = url.User(redactedMark) // a lone user part is a token
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
