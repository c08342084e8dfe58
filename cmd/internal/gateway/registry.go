package gateway

import (
	"context"
	"time"

	"github.com/consentgw/consentgw/consent/callctl/registry"
)

// registryTimeout bounds creating the bucket at start, as the streams' is.
const registryTimeout = 30 * time.Second

// openRegistry joins the cluster's live-call registry, replicated like the streams.
func (g *Gateway) openRegistry() error {
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	r, err := registry.Open(ctx, registry.Options{JS: g.bus.JS, Node: g.cfg.NodeName, Replicas: g.cfg.NATS.Replicas, Logger: g.log})
	if err != nil {
		return err
	}
	g.registry = r
	return nil
}
