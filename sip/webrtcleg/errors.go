package webrtcleg

import "errors"

var (
	// ErrGathering means the answer's candidates were not ready in time.
	ErrGathering = errors.New("webrtcleg: ICE candidates not gathered in time")
)
