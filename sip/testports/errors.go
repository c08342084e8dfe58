package testports

import "errors"

var (
	// ErrExhausted is returned when no block of the range has a free run of the size asked.
	ErrExhausted = errors.New("testports: no free run of ports in the range")
	// ErrSize is returned for a reservation of no ports or of more than a quarter of the range.
	ErrSize = errors.New("testports: reservation size out of bounds")
)
