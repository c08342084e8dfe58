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

// A node whose subjects.hmac_key, rights.signing_key or encryption.kek differs from the
// running nodes' does not start: its pseudonyms would index calls where no erase of theirs
// looks, its signatures would not verify against the deployment's published key, its
// parties' keys would be wrapped by a key the others do not hold.
func TestANodeWithAnotherKeyDoesNotStart(t *testing.T) {
	const hmacKey, signingKey = "deployment-key-one-0123456789", "ZGVwbG95bWVudC1zaWduaW5nLWtleS0wMTIzNDU2Nzg="
	const kek = "AGE-SECRET-KEY-1ZL9FZW2MXPV6JSUM3AMNVULZJC2X2SFFGYMK4MJW2PSXV25VGQUSCXN5XW"
	first := gatewaytest.Start(t, func(c *config.Config) {
		c.Subjects.HMACKey, c.Rights.SigningKey, c.Encryption.KEK = hmacKey, signingKey, kek
	})
	for _, tc := range []struct {
		setting               string
		hmac, signingKey, kek string
	}{
		{"subjects.hmac_key", "deployment-key-two-0123456789", signingKey, kek},
		{"rights.signing_key", hmacKey, "YW5vdGhlci1zaWduaW5nLWtleS0wMTIzNDU2Nzg5YWI=", kek},
		{"encryption.kek", hmacKey, signingKey, "AGE-SECRET-KEY-1M37GCYWTP73ZUN9R3DUSUU86M3SADC98NZT7EKCG3Q62DGA06ZYQJ3Y2C2"},
	} {
		t.Run(tc.setting, func(t *testing.T) {
			cfg := gatewaytest.Config(t, func(c *config.Config) {
				c.NodeName = "test-node-2"
				c.NATS.URL = first.NATSURL()
				c.Subjects.HMACKey, c.Rights.SigningKey, c.Encryption.KEK = tc.hmac, tc.signingKey, tc.kek
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
