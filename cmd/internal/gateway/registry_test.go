package gateway_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gateway"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/consent/callctl/registry"
)

// A node whose subjects.hmac_key or rights.signing_key differs from the running nodes'
// does not start: its pseudonyms would index calls where no erase of theirs looks, its
// signatures would not verify against the deployment's published key.
func TestANodeWithAnotherKeyDoesNotStart(t *testing.T) {
	const hmacKey, signingKey = "deployment-key-one-0123456789", "ZGVwbG95bWVudC1zaWduaW5nLWtleS0wMTIzNDU2Nzg="
	first := gatewaytest.Start(t, func(c *config.Config) { c.Subjects.HMACKey, c.Rights.SigningKey = hmacKey, signingKey })
	for _, tc := range []struct {
		setting          string
		hmac, signingKey string
	}{
		{"subjects.hmac_key", "deployment-key-two-0123456789", signingKey},
		{"rights.signing_key", hmacKey, "YW5vdGhlci1zaWduaW5nLWtleS0wMTIzNDU2Nzg5YWI="},
	} {
		t.Run(tc.setting, func(t *testing.T) {
			cfg := gatewaytest.Config(t, func(c *config.Config) {
				c.NodeName = "test-node-2"
				c.NATS.URL = first.NATSURL()
				c.Subjects.HMACKey, c.Rights.SigningKey = tc.hmac, tc.signingKey
			})
			g, err := gateway.Start(cfg, slog.New(slog.DiscardHandler))
			if err == nil {
				g.Shutdown(t.Context())
			}
			if !errors.Is(err, registry.ErrSettingDiffers) || !strings.Contains(err.Error(), tc.setting) || !strings.Contains(err.Error(), "test-node") {
				t.Fatalf("Start = %v, want %v for %s naming test-node", err, registry.ErrSettingDiffers, tc.setting)
			}
		})
	}
}
