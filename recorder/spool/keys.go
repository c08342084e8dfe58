package spool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/sealing"
)

// KeySource gives a party's current public key, making it if need be: the key store
// (consent/keystore), or the deployment's own recipients in public-key mode. It may wait
// on the network, so it is only ever called in the background (CallKeys).
type KeySource interface {
	Current(ctx context.Context, name string) (sealing.PublicKey, error)
}

// keyTimeout bounds fetching one party's key in the background.
const keyTimeout = 5 * time.Second

// KeyWait bounds how long a call waits for a key it needs and whose fetch has not
// finished: the receipt's at the decision, the recording's when it starts (before the
// relay does). A key not there by then leaves the call unrecorded, and its receipt
// without its Call-ID, rather than hold up the caller on a key store that is away.
const KeyWait = time.Second

var (
	// errNoKeys means the spool seals recordings but the call brought no keys.
	errNoKeys = errors.New("no keys were fetched for the call")
	// errKeyLate means a key's fetch had not finished within KeyWait.
	errKeyLate = errors.New("the key store did not answer in time")
)

// CallKeys are one call's parties' keys, each fetched in the background as soon as its
// party is known: the caller's when the call is answered, the agent's when its target is
// chosen. Neither the call's setup nor its media waits on the key store: by the time the
// receipt is written (after the prompt) and the recording starts (after the agent
// answered), they are there, or the key store is away and the call says so.
type CallKeys struct {
	s             *Spool
	callID        string
	caller, agent *keyFetch
	startBy       time.Time // when the recording stops waiting for keys: set by its first wait
}

type keyFetch struct {
	subjects []consent.SubjectRef
	done     chan struct{}
	key      sealing.PublicKey
	err      error
}

// Keys starts fetching the caller's key of call id, whose caller has these subjects. It
// returns nil when the spool does not seal recordings. The fetch keeps ctx's values but
// not its end (a key being made is finished, bounded by keyTimeout).
func (s *Spool) Keys(ctx context.Context, id string, caller []consent.SubjectRef) *CallKeys {
	if s == nil || s.o.Keys == nil {
		return nil
	}
	return &CallKeys{s: s, callID: id, caller: s.fetch(ctx, id, sealing.PartyCaller, caller)}
}

// Agent starts fetching the agent's key, once the call's target is known.
func (k *CallKeys) Agent(ctx context.Context, subjects []consent.SubjectRef) {
	if k != nil && k.agent == nil {
		k.agent = k.s.fetch(ctx, k.callID, sealing.PartyAgent, subjects)
	}
}

func (s *Spool) fetch(ctx context.Context, callID, party string, subjects []consent.SubjectRef) *keyFetch {
	f := &keyFetch{subjects: subjects, done: make(chan struct{})}
	name := sealing.PartyKeyName(subjects, callID, party)
	go func() {
		defer close(f.done)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keyTimeout)
		defer cancel()
		f.key, f.err = s.o.Keys.Current(ctx, name)
		if f.err != nil {
			f.err = fmt.Errorf("fetching the %s's key: %w", party, f.err)
		}
	}()
	return f
}

// wait returns the fetched key, waiting for a fetch still running until deadline fires.
func (f *keyFetch) wait(deadline <-chan time.Time) (sealing.PublicKey, error) {
	if f == nil {
		return sealing.PublicKey{}, errNoKeys
	}
	select {
	case <-f.done: // first: a key already there is taken even when deadline has fired
		return f.key, f.err
	default:
	}
	select {
	case <-f.done:
		return f.key, f.err
	case <-deadline:
		return sealing.PublicKey{}, errKeyLate
	}
}

// SealCallID encrypts the call's raw Call-ID to the caller's key: a receipt keeps it that
// way, so erasing the caller makes it unreadable in every copy of the receipt.
func (k *CallKeys) SealCallID(callID string) (string, error) {
	if k == nil {
		return "", errNoKeys
	}
	t := time.NewTimer(KeyWait)
	defer t.Stop()
	key, err := k.caller.wait(t.C)
	if err != nil {
		return "", err
	}
	return sealing.SealText(callID, key.AgeRecipients()...)
}

// Await waits for both parties' keys as Begin does, so that Begin finds them there: the
// call waits on the key store before it takes the lock a recording's start holds, and an
// erase meanwhile is not held up by it. The two waits share one KeyWait.
func (k *CallKeys) Await() { _, _, _ = k.both() }

// both waits for the two parties' keys, at most KeyWait for the two together and for all
// calls of it on the call: the recording starts on the call's goroutine before the
// bridge does.
func (k *CallKeys) both() (caller, agent *keyFetch, err error) {
	if k == nil {
		return nil, nil, errNoKeys
	}
	if k.startBy.IsZero() {
		k.startBy = time.Now().Add(KeyWait)
	}
	t := time.NewTimer(time.Until(k.startBy))
	defer t.Stop()
	if _, err := k.caller.wait(t.C); err != nil {
		return nil, nil, err
	}
	if _, err := k.agent.wait(t.C); err != nil {
		return nil, nil, err
	}
	return k.caller, k.agent, nil
}
