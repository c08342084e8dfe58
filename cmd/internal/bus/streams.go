package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/rights"
)

// dedupeWindow is how long JetStream remembers a Nats-Msg-Id: a request or event
// published twice within it (a client retrying after a lost acknowledgement) is stored once.
const dedupeWindow = 10 * time.Minute

// EnsureStreams creates the gateway's streams, or updates them to this configuration:
//   - CONSENTGW_REQUESTS takes consentgw.requests.> as a work queue: a request stays until
//     a gateway acknowledges it, after the work is done, so one published while no gateway
//     runs is processed when one starts;
//   - CONSENTGW_EVENTS takes consentgw.events.> with limits-based retention: the audit
//     trail, kept for eventsMaxAge (0 = forever) whoever reads it.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, eventsMaxAge time.Duration) error {
	streams := []jetstream.StreamConfig{
		{
			Name:        rights.Stream,
			Description: "consentgw data-subject requests (erase, export), SPEC §6",
			Subjects:    []string{rights.RequestPrefix + ">"},
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Duplicates:  dedupeWindow,
		},
		{
			Name:        audit.Stream,
			Description: "consentgw audit trail, SPEC §6",
			Subjects:    []string{audit.SubjectPrefix + ">"},
			Retention:   jetstream.LimitsPolicy,
			Storage:     jetstream.FileStorage,
			MaxAge:      eventsMaxAge,
			Duplicates:  min(dedupeWindow, dedupeFor(eventsMaxAge)),
		},
	}
	for _, cfg := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("bus: creating or updating stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}

// dedupeFor keeps the duplicate window within MaxAge, which JetStream requires.
func dedupeFor(maxAge time.Duration) time.Duration {
	if maxAge <= 0 {
		return dedupeWindow
	}
	return maxAge
}
