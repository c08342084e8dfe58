// Package callctl serves call control over NATS: consentgw.calls.<receipt-id>.<verb>
// with verb withdraw, pause or resume, for agent desktops and payment IVRs. Every gateway
// subscribes (no queue group) because only the node holding the call can act on it; the
// others stay silent, so the requester gets exactly one answer, or none if no node holds
// a call of that id.
package callctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/consent"
)

// SubjectPrefix starts every call-control subject.
const SubjectPrefix = "consentgw.calls."

// Verbs are the commands served, each at consentgw.calls.*.<verb>.
var Verbs = []consent.Verb{consent.VerbWithdraw, consent.VerbPause, consent.VerbResume}

// commandTimeout bounds how long one command waits for its call.
const commandTimeout = 5 * time.Second

// Calls runs commands on the calls of this node (the call path, ivr/split, is one).
type Calls interface {
	Control(ctx context.Context, id string, verb consent.Verb) (held bool, err error)
}

// Reply is the answer to a command.
type Reply struct {
	Status string `json:"status"` // ok | rejected
	ID     string `json:"id,omitempty"`
	Verb   string `json:"verb,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Subject is the subject of verb for the call with receipt id.
func Subject(id string, verb consent.Verb) string { return SubjectPrefix + id + "." + string(verb) }

// Listener serves call control until Close.
type Listener struct {
	subs []*nats.Subscription
	wg   sync.WaitGroup
	mu   sync.Mutex
	done bool
}

// Listen subscribes this node to the call-control subjects.
func Listen(conn *nats.Conn, calls Calls, log *slog.Logger) (*Listener, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Listener{}
	for _, verb := range Verbs {
		sub, err := conn.Subscribe(SubjectPrefix+"*."+string(verb), func(m *nats.Msg) {
			if !l.enter() {
				return
			}
			defer l.wg.Done()
			handle(m, calls, log)
		})
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("subscribing to call control: %w", err)
		}
		l.subs = append(l.subs, sub)
	}
	return l, nil
}

func (l *Listener) enter() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return false
	}
	l.wg.Add(1)
	return true
}

// Close unsubscribes and waits for commands in progress.
func (l *Listener) Close() {
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
	for _, s := range l.subs {
		_ = s.Unsubscribe()
	}
	l.wg.Wait()
}

// ParseSubject returns the receipt id and verb of a call-control subject. The id must be
// a ULID, the form of every receipt id.
func ParseSubject(subject string) (string, consent.Verb, error) {
	rest, ok := strings.CutPrefix(subject, SubjectPrefix)
	if !ok {
		return "", "", fmt.Errorf("%q: %w", subject, ErrBadSubject)
	}
	id, verb, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(verb, ".") || !consent.Verb(verb).Valid() {
		return "", "", fmt.Errorf("%q: %w", subject, ErrBadSubject)
	}
	if _, err := consent.IDTime(id); err != nil || strings.ToUpper(id) != id {
		return "", "", fmt.Errorf("receipt id %q is not a ULID: %w", id, ErrBadSubject)
	}
	return id, consent.Verb(verb), nil
}

// ErrBadSubject rejects a subject that names no call or no verb.
var ErrBadSubject = errors.New("callctl: malformed call-control subject")

func handle(m *nats.Msg, calls Calls, log *slog.Logger) {
	id, verb, err := ParseSubject(m.Subject)
	if err != nil {
		// Every node answers a malformed subject alike; the requester takes the first.
		respond(m, Reply{Status: "rejected", Error: err.Error()}, log)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	held, err := calls.Control(ctx, id, verb)
	if !held {
		return // another node's call, or none: stay silent
	}
	r := Reply{Status: "ok", ID: id, Verb: string(verb)}
	if err != nil {
		r.Status, r.Error = "rejected", err.Error()
	}
	log.Info("call control", "consent_id", id, "verb", verb, "status", r.Status, "error", r.Error)
	respond(m, r, log)
}

func respond(m *nats.Msg, r Reply, log *slog.Logger) {
	if m.Reply == "" {
		return
	}
	b, _ := json.Marshal(r)
	if err := m.Respond(b); err != nil {
		log.Warn("call-control reply not sent", "error", err)
	}
}
