package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/rights"
)

// dedupeWindow is how long JetStream remembers a Nats-Msg-Id: a request or event
// published twice within it (a client retrying after a lost acknowledgement) is stored once.
const dedupeWindow = 10 * time.Minute

// StreamSettings are what the configuration says about the streams.
type StreamSettings struct {
	// EventsMaxAge bounds how long CONSENTGW_EVENTS keeps events; 0 = forever.
	EventsMaxAge time.Duration
	// Replicas is how many JetStream servers keep each stream (nats.replicas); 0 = 1.
	Replicas int
}

// EnsureStreams creates the gateway's streams, or updates them to this configuration:
//   - CONSENTGW_REQUESTS takes consentgw.requests.> as a work queue: a request stays until
//     a gateway acknowledges it, after the work is done, so one published while no gateway
//     runs is processed when one starts;
//   - CONSENTGW_EVENTS takes consentgw.events.> with limits-based retention: the audit
//     trail, kept for EventsMaxAge (0 = forever) whoever reads it.
//
// Both are kept by Replicas servers: a request is acknowledged to its publisher once a
// majority of them hold it, so an erase request survives the loss of a minority. Limits
// and replicas of an existing stream are updated in place (JetStream moves the data);
// retention and storage cannot be, and an existing stream with others fails the start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, s StreamSettings) error {
	replicas := max(s.Replicas, 1)
	streams := []jetstream.StreamConfig{
		{
			Name:        rights.Stream,
			Description: "consentgw data-subject requests (erase, export), SPEC §6",
			Subjects:    []string{rights.RequestPrefix + ">"},
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Duplicates:  dedupeWindow,
			Replicas:    replicas,
		},
		{
			Name:        audit.Stream,
			Description: "consentgw audit trail, SPEC §6",
			Subjects:    []string{audit.SubjectPrefix + ">"},
			Retention:   jetstream.LimitsPolicy,
			Storage:     jetstream.FileStorage,
			MaxAge:      s.EventsMaxAge,
			Duplicates:  min(dedupeWindow, dedupeFor(s.EventsMaxAge)),
			Replicas:    replicas,
		},
	}
	for _, cfg := range streams {
		if err := checkFixed(ctx, js, cfg); err != nil {
			return err
		}
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return streamError(cfg, err)
		}
	}
	return nil
}

// checkFixed fails when the stream exists with a retention or storage this gateway does
// not use: JetStream refuses to change them in place, and its refusal does not say what
// to do about it.
func checkFixed(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) error {
	st, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bus: reading stream %s: %w", want.Name, err)
	}
	have := st.CachedInfo().Config
	if have.Retention != want.Retention || have.Storage != want.Storage {
		return fmt.Errorf("bus: stream %s exists with %s retention on %s storage, where consentgw needs %s on %s: "+
			"JetStream cannot change that in place; move or drop its messages and delete it (nats stream rm %s), then start again: %w",
			want.Name, have.Retention, have.Storage, want.Retention, want.Storage, want.Name, ErrStreamMismatch)
	}
	return nil
}

// streamError says what a refused stream means for the operator.
func streamError(cfg jetstream.StreamConfig, err error) error {
	if cfg.Replicas > 1 {
		return fmt.Errorf("bus: creating or updating stream %s with %d replicas (nats.replicas): "+
			"it needs a JetStream cluster of at least %d servers, each with JetStream on: %w", cfg.Name, cfg.Replicas, cfg.Replicas, err)
	}
	return fmt.Errorf("bus: creating or updating stream %s: %w", cfg.Name, err)
}

// dedupeFor keeps the duplicate window within MaxAge, which JetStream requires.
func dedupeFor(maxAge time.Duration) time.Duration {
	if maxAge <= 0 {
		return dedupeWindow
	}
	return maxAge
}
