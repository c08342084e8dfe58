package rights

import "errors"

var (
	// ErrRejected marks a request that can never succeed as sent (malformed, unknown verb
	// or subject type, an invalid number, a request_id reused for something else). It is
	// answered {"status":"rejected"} and never retried. Its message names no subject value.
	ErrRejected = errors.New("request rejected")
	// ErrIncomplete is returned when objects of an erased subject are still listed after
	// the erase; the request fails and is retried.
	ErrIncomplete = errors.New("erase incomplete: objects remain under the subject's prefix")
)

// rejection is a rejected request's reason, phrased for the requester.
type rejection struct{ msg string }

func (r *rejection) Error() string        { return r.msg }
func (r *rejection) Is(target error) bool { return target == ErrRejected }

func reject(msg string) error { return &rejection{msg: msg} }
