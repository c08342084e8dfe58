package subject

import "errors"

// Errors never carry the subject's value: it may be a phone number, and
// errors end up in logs (SPEC §5).
var (
	// ErrUnknownType is returned for a subject type other than tel,
	// customer or agent.
	ErrUnknownType = errors.New("subject: unknown type")
	// ErrInvalidTel is returned for a value that is not a phone number.
	ErrInvalidTel = errors.New("subject: invalid tel value")
	// ErrEmptyValue is returned for a subject without a value.
	ErrEmptyValue = errors.New("subject: empty value")
	// ErrShortKey is returned for an HMAC key too short to keep pseudonyms
	// from being reversed by enumerating phone numbers.
	ErrShortKey = errors.New("subject: hmac key shorter than 16 bytes")
	// ErrBadKeyFile is returned when the stored key file cannot be used.
	ErrBadKeyFile = errors.New("subject: unusable key file")
)
