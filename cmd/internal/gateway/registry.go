package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/consentgw/consentgw/consent/callctl/registry"
)

// registryTimeout bounds creating the bucket at start, as the streams' is.
const registryTimeout = 30 * time.Second

// openRegistry joins the cluster's call registry, replicated like the streams, and checks
// that this node pseudonymizes subjects and signs with the same keys as the others: a
// node with another subjects.hmac_key would index its calls where no erase of theirs
// looks, and one with another rights.signing_key would sign what the deployment's
// published key does not verify.
func (g *Gateway) openRegistry(subjectKey []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	r, err := registry.Open(ctx, registry.Options{JS: g.bus.JS, Node: g.cfg.NodeName, Replicas: g.cfg.NATS.Replicas, Logger: g.log})
	if err != nil {
		return err
	}
	g.registry = r
	if err := r.CheckSame(ctx, "subjects-key", keyFingerprint(subjectKey)); err != nil {
		return fmt.Errorf("subjects.hmac_key: %w", err)
	}
	if err := r.CheckSame(ctx, "signing-key", g.signer.Public().ID); err != nil {
		return fmt.Errorf("rights.signing_key: %w", err)
	}
	return nil
}

// keyFingerprint tells keys apart without saying anything about them: an HMAC of a fixed
// text under the key, like any pseudonym.
func keyFingerprint(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("consentgw: one subjects.hmac_key per deployment"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
