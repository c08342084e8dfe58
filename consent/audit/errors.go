package audit

import "errors"

var (
	// ErrClosed is returned by Publish after Close.
	ErrClosed = errors.New("audit: publisher closed")
	// ErrBadKind is returned for an event kind that is not one NATS subject token pair
	// (empty, or with spaces or wildcards).
	ErrBadKind = errors.New("audit: invalid event kind")
)
