package audit

import "errors"

var (
	// ErrClosed is returned by Publish after Close.
	ErrClosed = errors.New("audit: publisher closed")
	// ErrBadKind is returned for an event kind that is not one NATS subject token pair
	// (empty, or with spaces or wildcards).
	ErrBadKind = errors.New("audit: invalid event kind")

	errNotConnected = errors.New("audit: NATS not connected")
	errNoAck        = errors.New("audit: no acknowledgement within 5s")
	errNotTried     = errors.New("audit: not tried at stop: an earlier event was not acknowledged")
)
