package recorder

import "errors"

var (
	// ErrStopped means Stop or Discard was already called.
	ErrStopped = errors.New("recorder: already stopped")
	// ErrInvalidOptions means Start was given options it cannot record with.
	ErrInvalidOptions = errors.New("recorder: invalid options")
)
