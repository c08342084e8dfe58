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

// A node that would pseudonymize callers with another subjects.hmac_key than the running
// nodes of its deployment does not start: its index entries would lie where no erase of
// theirs looks.
func TestANodeWithAnotherSubjectKeyDoesNotStart(t *testing.T) {
	first := gatewaytest.Start(t, func(c *config.Config) { c.Subjects.HMACKey = "deployment-key-one-0123456789" })
	cfg := gatewaytest.Config(t, func(c *config.Config) {
		c.NodeName = "test-node-2"
		c.NATS.URL = first.NATSURL()
		c.Subjects.HMACKey = "deployment-key-two-0123456789"
	})
	g, err := gateway.Start(cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		g.Shutdown(t.Context())
	}
	if !errors.Is(err, registry.ErrSettingDiffers) || !strings.Contains(err.Error(), "subjects.hmac_key") || !strings.Contains(err.Error(), "test-node") {
		t.Fatalf("Start = %v, want %v for subjects.hmac_key naming test-node", err, registry.ErrSettingDiffers)
	}
}
