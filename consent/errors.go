package consent

import "errors"

var (
	// ErrUnknownDecision is returned for a decision outside SPEC §5's list.
	ErrUnknownDecision = errors.New("consent: unknown decision")
	// ErrUnknownMethod is returned for a DTMF method outside SPEC §5's list.
	ErrUnknownMethod = errors.New("consent: unknown method")
	// ErrInvalidReceipt is returned by Receipt.Validate for a receipt that
	// must not be written.
	ErrInvalidReceipt = errors.New("consent: invalid receipt")
	// ErrUnknownMode is returned for a consent mode other than opt-in and notice.
	ErrUnknownMode = errors.New("consent: unknown mode")
	// ErrInvalidID is returned for a string that is not a ULID.
	ErrInvalidID = errors.New("consent: invalid id")
)
