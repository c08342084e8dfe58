package consent

import "errors"

// Verb is a call-control command for a call in progress
// (consentgw.calls.<receipt-id>.<verb>): the vocabulary shared by the NATS listener
// (consent/callctl) and the call that carries it out (ivr/split).
type Verb string

// The call-control verbs.
const (
	// VerbWithdraw withdraws the caller's consent: the recording stops and is discarded.
	VerbWithdraw Verb = "withdraw"
	// VerbPause replaces the recorded audio with silence until resume (a payment).
	VerbPause Verb = "pause"
	// VerbResume ends a pause.
	VerbResume Verb = "resume"
)

// Valid reports whether v is a known verb.
func (v Verb) Valid() bool { return v == VerbWithdraw || v == VerbPause || v == VerbResume }

// Why a call rejects a call-control command; the reply carries the text.
var (
	// ErrNotRecorded rejects a command for a call that is not being recorded.
	ErrNotRecorded = errors.New("the call is not being recorded")
	// ErrCallEnded rejects a command that reached a call as it ended.
	ErrCallEnded = errors.New("the call ended")
	// ErrUnknownVerb rejects a verb other than withdraw, pause and resume.
	ErrUnknownVerb = errors.New("unknown call-control command")
)
