package baresiptest

import "errors"

var (
	// ErrExited is returned when baresip ended before it was ready or while a test
	// waited on it.
	ErrExited = errors.New("baresiptest: baresip exited")
	// ErrBadNetstring is returned for a malformed frame from ctrl_tcp.
	ErrBadNetstring = errors.New("baresiptest: malformed netstring from ctrl_tcp")
	// ErrCommand is returned when baresip answered a command with ok=false.
	ErrCommand = errors.New("baresiptest: command refused")
)
