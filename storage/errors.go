package storage

import "errors"

var (
	// ErrNotFound is returned by Get and Stat for a key with no object.
	ErrNotFound = errors.New("storage: object not found")
	// ErrInvalidKey is returned for a key that ValidKey rejects. Keys are
	// built partly from outside input (request ids), so every backend
	// checks them before touching anything.
	ErrInvalidKey = errors.New("storage: invalid key")
	// ErrInvalidMetadata is returned for metadata that ValidMetadata rejects.
	ErrInvalidMetadata = errors.New("storage: invalid metadata")
	// ErrSizeMismatch is returned by Put when the reader's length differs
	// from the size given; nothing is stored then.
	ErrSizeMismatch = errors.New("storage: size mismatch")
)
