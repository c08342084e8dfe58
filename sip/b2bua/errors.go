package b2bua

import (
	"errors"
	"fmt"

	"github.com/emiago/sipgo/sip"
)

// StatusError is an error that knows the SIP final response it stands for, so whoever
// ends a call with it answers the right code without a switch over error values.
type StatusError struct {
	Code   int
	Reason string
	Err    error
}

func (e *StatusError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("%d %s", e.Code, e.Reason)
	}
	return fmt.Sprintf("%d %s: %v", e.Code, e.Reason, e.Err)
}

func (e *StatusError) Unwrap() error { return e.Err }

// Status wraps err with a SIP status.
func Status(code int, reason string, err error) error {
	return &StatusError{Code: code, Reason: reason, Err: err}
}

// notAcceptable is a 488 for an offer the gateway does not take (RFC 3261 §21.4.26).
func notAcceptable(err error) error {
	return Status(sip.StatusNotAcceptableHere, "Not Acceptable Here", err)
}

// StatusOf returns the SIP status an error stands for: its own, or 500 for any other error.
func StatusOf(err error) (int, string) {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code, se.Reason
	}
	return sip.StatusInternalServerError, "Server Internal Error"
}

var (
	// ErrLegEnded is returned by leg operations after the leg's dialog ended.
	ErrLegEnded = errors.New("b2bua: leg ended")
	// ErrNoAnswerSDP is a 2xx from a target without a usable SDP answer.
	ErrNoAnswerSDP = errors.New("b2bua: target answered without usable SDP")
	// ErrDialAbandoned is a Dial whose context ended before the target answered: the
	// caller left while the agent rang, and the INVITE was cancelled.
	ErrDialAbandoned = errors.New("b2bua: dial abandoned before the answer")
	// ErrAddressFamily is an SDP whose media address is of a family (IPv4, IPv6) the
	// gateway has no media address in, or not the family the leg was set up in.
	ErrAddressFamily = errors.New("b2bua: media address family not served")
)
