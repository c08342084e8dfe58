package consent

import (
	"encoding/json"
	"fmt"
	"time"
)

// PromptInfo identifies the prompt the caller heard, so a receipt proves
// which wording was played and for how long.
type PromptInfo struct {
	ID       string `json:"id"`
	SHA256   string `json:"sha256"`
	Language string `json:"language"`
	PlayedMS int64  `json:"played_ms"`
}

// SubjectRef names a data subject of the call by pseudonym only: Key is the
// subject key of SPEC §5, never the raw value.
type SubjectRef struct {
	Type string `json:"type"`
	Key  string `json:"key"`
}

// SubjectKeys are the subject keys of refs, in order: what the subject index, legal
// holds and the call registry know subjects by.
func SubjectKeys(refs []SubjectRef) []string {
	keys := make([]string, 0, len(refs))
	for _, r := range refs {
		keys = append(keys, r.Key)
	}
	return keys
}

// Receipt is the consent receipt written for every call (SPEC §5). Its JSON
// form is a contract: field names, UTC RFC 3339 times with nanoseconds, and
// "recording": null when nothing was recorded.
type Receipt struct {
	ID        string       `json:"id"`
	SIPCallID string       `json:"sip_call_id"`
	Route     string       `json:"route"`
	StartedAt time.Time    `json:"started_at"`
	DecidedAt time.Time    `json:"decided_at"`
	Decision  Decision     `json:"decision"`
	Method    Method       `json:"method"`
	Digit     string       `json:"digit"`
	Prompt    PromptInfo   `json:"prompt"`
	Subjects  []SubjectRef `json:"subjects"`
	Gateway   string       `json:"gateway"`
	Recording *string      `json:"recording"`

	// RecordingStatus says what became of the recording, and RecordingReason why it is
	// not whole (a consent.Reason… code); both are left out on calls that record nothing.
	RecordingStatus RecordingStatus `json:"recording_status,omitempty"`
	RecordingReason string          `json:"recording_reason,omitempty"`

	// Mode is how recording was decided (opt-in or notice) and Policy the rule and
	// version that chose it.
	Mode   Mode       `json:"mode"`
	Policy PolicyInfo `json:"policy"`
	// WithdrawnAt and WithdrawnVia are set when a recorded call's consent was withdrawn
	// during the call (Decision is then withdrawn; DecidedAt, Method and Digit still
	// say how it had been given). Via is rfc4733, sip-info or nats.
	WithdrawnAt  time.Time `json:"withdrawn_at,omitzero"`
	WithdrawnVia string    `json:"withdrawn_via,omitempty"`
	// SIPCallIDKey is the keyed hash of SIPCallID (subject.Pseudonymizer.CallIDKey) that
	// names the call in logs and events. Trunks build Call-IDs from the caller's number,
	// so the raw SIPCallID stays in the receipt object alone, which an erase removes.
	SIPCallIDKey string `json:"sip_call_id_key,omitempty"`
	// SIPCallIDSealed is SIPCallID encrypted to the caller's key (an ASCII-armored age
	// file), in place of SIPCallID, when recordings are sealed: erasing the caller leaves
	// it unreadable in every copy of the receipt.
	SIPCallIDSealed string `json:"sip_call_id_sealed,omitempty"`
}

// receiptWire fixes the encoding of times and lists independently of the
// values the caller put in the Receipt.
type receiptWire struct {
	ID        string       `json:"id"`
	SIPCallID *string      `json:"sip_call_id,omitempty"` // nil in an event's copy (AuditView)
	Route     string       `json:"route"`
	StartedAt string       `json:"started_at"`
	DecidedAt string       `json:"decided_at"`
	Decision  Decision     `json:"decision"`
	Method    Method       `json:"method"`
	Digit     string       `json:"digit"`
	Prompt    PromptInfo   `json:"prompt"`
	Subjects  []SubjectRef `json:"subjects"`
	Gateway   string       `json:"gateway"`
	Recording *string      `json:"recording"`

	RecordingStatus RecordingStatus `json:"recording_status,omitempty"`
	RecordingReason string          `json:"recording_reason,omitempty"`

	Mode   Mode       `json:"mode"`
	Policy PolicyInfo `json:"policy"`
	// Omitted unless the consent was withdrawn.
	WithdrawnAt     string `json:"withdrawn_at,omitempty"`
	WithdrawnVia    string `json:"withdrawn_via,omitempty"`
	SIPCallIDKey    string `json:"sip_call_id_key,omitempty"`
	SIPCallIDSealed string `json:"sip_call_id_sealed,omitempty"`
}

// MarshalJSON writes the SPEC §5 form: times in UTC whatever their location,
// and an empty subject list as [] rather than null.
// A receipt whose Call-ID is sealed has no sip_call_id.
func (r Receipt) MarshalJSON() ([]byte, error) {
	if r.SIPCallIDSealed != "" {
		return r.marshal(nil, r.SIPCallIDSealed)
	}
	return r.marshal(&r.SIPCallID, "")
}

// AuditView is the receipt as events carry it (consent.captured, consent.withdrawn): the
// same JSON without sip_call_id, since the audit trail outlives any erase.
func (r Receipt) AuditView() json.Marshaler { return auditReceipt(r) }

type auditReceipt Receipt

func (a auditReceipt) MarshalJSON() ([]byte, error) { return Receipt(a).marshal(nil, "") }

func (r Receipt) marshal(callID *string, sealed string) ([]byte, error) {
	subjects := r.Subjects
	if subjects == nil {
		subjects = []SubjectRef{}
	}
	withdrawn := ""
	if !r.WithdrawnAt.IsZero() {
		withdrawn = r.WithdrawnAt.UTC().Format(time.RFC3339Nano)
	}
	return json.Marshal(receiptWire{
		ID:        r.ID,
		SIPCallID: callID,
		Route:     r.Route,
		StartedAt: r.StartedAt.UTC().Format(time.RFC3339Nano),
		DecidedAt: r.DecidedAt.UTC().Format(time.RFC3339Nano),
		Decision:  r.Decision,
		Method:    r.Method,
		Digit:     r.Digit,
		Prompt:    r.Prompt,
		Subjects:  subjects,
		Gateway:   r.Gateway,
		Recording: r.Recording,

		RecordingStatus: r.RecordingStatus,
		RecordingReason: r.RecordingReason,

		Mode:   r.Mode,
		Policy: r.Policy,
		// Field order is the struct's.
		WithdrawnAt:  withdrawn,
		WithdrawnVia: r.WithdrawnVia,
		SIPCallIDKey: r.SIPCallIDKey,
		// The audit trail never carries the Call-ID, sealed or not.
		SIPCallIDSealed: sealed,
	})
}

// Validate reports why a receipt must not be written, if it must not.
// A granted receipt needs the digit that granted it: silence is never
// consent, so no code path can record on a receipt without an opt-in.
func (r Receipt) Validate() error {
	switch {
	case r.ID == "":
		return fmt.Errorf("%w: missing id", ErrInvalidReceipt)
	case !r.Decision.Valid():
		return fmt.Errorf("%w: decision %q: %w", ErrInvalidReceipt, r.Decision, ErrUnknownDecision)
	case !r.Method.Valid():
		return fmt.Errorf("%w: method %q: %w", ErrInvalidReceipt, r.Method, ErrUnknownMethod)
	case r.Method == MethodNone && r.Digit != "":
		return fmt.Errorf("%w: digit without a method", ErrInvalidReceipt)
	case r.Decision == DecisionGranted && (r.Method == MethodNone || r.Digit == ""):
		return fmt.Errorf("%w: granted without a digit", ErrInvalidReceipt)
	case r.Decision == DecisionNotified && r.Mode != ModeNotice:
		return fmt.Errorf("%w: notified on a %q route: only notice mode records without asking", ErrInvalidReceipt, r.Mode)
	case r.Mode != "" && !r.Mode.Valid():
		return fmt.Errorf("%w: mode %q: %w", ErrInvalidReceipt, r.Mode, ErrUnknownMode)
	case r.Decision == DecisionWithdrawn && r.WithdrawnAt.IsZero():
		return fmt.Errorf("%w: withdrawn without a time", ErrInvalidReceipt)
	case r.Recording != nil && !r.Decision.Records():
		return fmt.Errorf("%w: recording on a %s call", ErrInvalidReceipt, r.Decision)
	case r.RecordingStatus != "" && !r.RecordingStatus.Valid():
		return fmt.Errorf("%w: recording status %q", ErrInvalidReceipt, r.RecordingStatus)
	case r.RecordingStatus != "" && !r.Decision.Records() && r.Decision != DecisionWithdrawn:
		return fmt.Errorf("%w: recording status %s on a %s call: nothing may be recorded", ErrInvalidReceipt, r.RecordingStatus, r.Decision)
	case r.Recording != nil && r.RecordingStatus != "" && !r.RecordingStatus.HasAudio():
		return fmt.Errorf("%w: recording key with status %s", ErrInvalidReceipt, r.RecordingStatus)
	case r.StartedAt.IsZero() || r.DecidedAt.IsZero():
		return fmt.Errorf("%w: missing times", ErrInvalidReceipt)
	case r.DecidedAt.Before(r.StartedAt):
		return fmt.Errorf("%w: decided before started", ErrInvalidReceipt)
	}
	return nil
}
