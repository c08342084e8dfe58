package sipptest

import "errors"

var (
	// ErrRepoRootNotFound is returned when no go.mod is found above the working directory.
	ErrRepoRootNotFound = errors.New("sipptest: no go.mod above the working directory")
	// ErrExited is returned by Ready when SIPp ended before binding its SIP port.
	ErrExited = errors.New("sipptest: sipp exited before it was ready")
)
