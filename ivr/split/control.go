package split

import (
	"context"
	"fmt"

	"github.com/consentgw/consentgw/consent"
)

// command reaches the call's goroutine, which owns the call's state; reply, if not nil,
// gets the outcome.
type command struct {
	verb  consent.Verb
	via   string // nats, rfc4733, sip-info
	reply chan error
}

// Control runs verb on the call whose receipt id is id, if this node holds it. held is
// false when no call of that id is in progress here (another node may hold it); err
// says why a held call rejected the command (consent.ErrNotRecorded, ErrCallEnded).
func (s *Splitter) Control(ctx context.Context, id string, verb consent.Verb) (held bool, err error) {
	if !verb.Valid() {
		return false, fmt.Errorf("%q: %w", verb, consent.ErrUnknownVerb)
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
		return true, consent.ErrCallEnded
	case <-ctx.Done():
		return true, ctx.Err()
	}
	select {
	case err := <-cmd.reply:
		return true, err
	case <-c.ended:
		return true, consent.ErrCallEnded
	case <-ctx.Done():
		return true, ctx.Err()
	}
}
