package index

import "errors"

// ErrInvalidEntry is returned by Put for an entry that cannot be stored.
var ErrInvalidEntry = errors.New("index: invalid entry")
