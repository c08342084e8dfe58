package audit

import (
	"encoding/json"
	"time"
)

// Event is the envelope of every audit event. Data is the kind's payload (a consent
// receipt, a recording's keys, an erase result, ...).
type Event struct {
	// ID is a ULID; it is also the Nats-Msg-Id, so a retried publish is stored once.
	ID      string          `json:"id"`
	Kind    string          `json:"kind"`
	At      time.Time       `json:"at"`
	Gateway string          `json:"gateway"`
	Data    json.RawMessage `json:"data"`
}
