package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/subject"
)

// exportSweep is how often the local store looks for expired export bundles; an S3
// bucket expires them by its lifecycle rule.
const exportSweep = 10 * time.Minute

// startRights serves the data-subject API of SPEC §6 on NATS.
func (g *Gateway) startRights(pseudonyms *subject.Pseudonymizer) error {
	cfg := g.cfg
	svc, err := rights.New(rights.Options{
		Store: g.store, Pseudonyms: pseudonyms, DefaultRegion: cfg.Subjects.DefaultRegion,
		Events: g.events, Discard: rights.Broadcast{Conn: g.bus.Conn, Logger: g.log, Holders: g.registry},
		Node: cfg.NodeName, Logger: g.log,
		Export: rights.ExportPolicy{
			Expires: cfg.Exports.Expires.Std(), Purpose: cfg.Exports.Purpose, Recipients: cfg.Exports.Recipients,
			Retention: retentionText(cfg),
		},
		Erase:        rights.ErasePolicy{Keeps: cfg.Rights.EraseKeeps, MaxRecordings: cfg.Rights.EraseMaxRecordings},
		Signer:       g.signer,
		KeyStore:     g.keyStore,
		HoldsChanged: g.holdsChanged,
	})
	if err != nil {
		return err
	}
	verifier, err := requestVerifier(cfg.NATS.RequestKeys)
	if err != nil {
		return fmt.Errorf("nats.request_keys: %w", err)
	}
	sweep := exportSweep
	if lc, ok := g.store.(interface {
		SetExportExpiry(context.Context, time.Duration) error
	}); ok {
		sweep = 0
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := lc.SetExportExpiry(ctx, cfg.Exports.Expires.Std()); err != nil {
			return fmt.Errorf("exports.expires: %w", err)
		}
	}
	g.rights, err = rights.Listen(rights.ListenOptions{
		Conn: g.bus.Conn, JS: g.bus.JS, Service: svc, Events: g.events, Node: cfg.NodeName, Logger: g.log,
		LiveCalls: g.splitter, Spool: g.archive, SweepExports: sweep, Verifier: verifier,
	})
	return err
}

// retentionText says in an export's manifest how long call data is kept.
func retentionText(cfg *config.Config) string {
	if len(cfg.Retention) == 0 {
		return rights.RetentionText(cfg.Storage.Retention.Std())
	}
	return "recordings, consent receipts and their index entries are kept by the deployment's retention rules (by route and caller country, the longest matching rule winning), or until erased on request"
}

// requestVerifier builds the signature check from nats.request_keys; none = unsigned
// requests are accepted.
func requestVerifier(entries []string) (rights.Verifier, error) {
	var keys []rights.SigningKey
	for _, e := range entries {
		k, err := rights.ParseSigningKey(e)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return rights.NewVerifier(keys)
}
