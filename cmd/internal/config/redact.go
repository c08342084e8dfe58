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
// rights.signing_key, nats.password, the passwords of sip.auth.users, the keys of nats.request_keys and any password in nats.url are replaced (empty secrets stay empty).
func (c *Config) Redacted() *Config {
	r := *c
	r.SIP.Listen = slices.Clone(c.SIP.Listen)
	r.Routes = slices.Clone(c.Routes)
	r.origins = maps.Clone(c.origins)
	r.Storage.S3.SecretKey = redact(c.Storage.S3.SecretKey)
	r.Storage.S3.SSECKey = redact(c.Storage.S3.SSECKey)
	r.Subjects.HMACKey = redact(c.Subjects.HMACKey)
	r.Rights.SigningKey = redact(c.Rights.SigningKey)
	r.Retention = slices.Clone(c.Retention)
	r.NATS.URL = redactURLs(c.NATS.URL)
	r.NATS.Password = redact(c.NATS.Password)
	r.NATS.RequestKeys = make([]string, len(c.NATS.RequestKeys))
	for i, k := range c.NATS.RequestKeys {
		name, _, _ := strings.Cut(k, ":")
		r.NATS.RequestKeys[i] = name + ":" + redactedMark
	}
	r.SIP.Trusted = slices.Clone(c.SIP.Trusted)
	r.SIP.Auth.Users = make([]string, len(c.SIP.Auth.Users))
	for i, u := range c.SIP.Auth.Users {
		name, _, _ := strings.Cut(u, ":")
		r.SIP.Auth.Users[i] = name + ":" + redactedMark
	}
	r.Exports.Recipients = slices.Clone(c.Exports.Recipients)
	return &r
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
