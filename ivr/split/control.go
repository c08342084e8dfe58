package split

import (
	"context"
	"errors"
	"fmt"
)

// Verb is a call-control command for a call in progress.
type Verb string

// The call-control verbs (consentgw.calls.<receipt-id>.<verb>).
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

var (
	// ErrNotRecorded rejects a command for a call that is not being recorded.
	ErrNotRecorded = errors.New("the call is not being recorded")
	// ErrCallEnded rejects a command that reached a call as it ended.
	ErrCallEnded = errors.New("the call ended")
	// ErrUnknownVerb rejects a verb other than withdraw, pause and resume.
	ErrUnknownVerb = errors.New("unknown call-control command")
)

// command reaches the call's goroutine, which owns the call's state; reply, if not nil,
// gets the outcome.
type command struct {
	verb  Verb
	via   string // nats, rfc4733, sip-info
	reply chan error
}

// Control runs verb on the call whose receipt id is id, if this node holds it. held is
// false when no call of that id is in progress here (another node may hold it); err
// says why a held call rejected the command.
func (s *Splitter) Control(ctx context.Context, id string, verb Verb) (held bool, err error) {
	if !verb.Valid() {
		return false, fmt.Errorf("%q: %w", verb, ErrUnknownVerb)
	}
	v, ok := s.live.Load(id)
	if !ok {
		return false, nil
	}
	c := v.(*liveCall)
	cmd := command{verb: verb, via: "nats", reply: make(chan error, 1)}
	select {
	case c.cmds <- cmd:
	case <-c.ended:
		return true, ErrCallEnded
	case <-ctx.Done():
		return true, ctx.Err()
	}
	select {
	case err := <-cmd.reply:
		return true, err
	case <-c.ended:
		return true, ErrCallEnded
	case <-ctx.Done():
		return true, ctx.Err()
	}
}
