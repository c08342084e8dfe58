package rights

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go"
)

// HolderLookup names the nodes that hold a call of a subject, or a call: the cluster's
// call registry (consent/callctl/registry).
type HolderLookup interface {
	Holders(ctx context.Context, subjectKey string) ([]string, error)
	CallHolders(ctx context.Context, id string) ([]string, error)
}

// holders is what the broadcast of t waits for: the nodes holding calls of its subject,
// or its call.
func (b Broadcast) holders(ctx context.Context, t DiscardTarget) (*holderWait, error) {
	var nodes []string
	var err error
	switch {
	case b.Holders == nil:
	case t.SubjectKey != "":
		nodes, err = b.Holders.Holders(ctx, t.SubjectKey)
	case t.Call != "":
		nodes, err = b.Holders.CallHolders(ctx, t.Call)
	}
	if err != nil {
		return nil, fmt.Errorf("finding the gateways that hold the calls to erase: %w", err)
	}
	return newHolderWait(nodes), nil
}

// ErrHolderSilent fails an erase when a node that holds a call of the subject did not
// confirm the discard: its recording may still be running, or its spool may store the
// audio later, so the erase is not complete. A durable erase is retried; the registry
// stops naming a node once it is back (it then confirms) or after the registry's TTL.
var ErrHolderSilent = errors.New("a gateway holding a call of the subject did not confirm the erase")

// NodeRPCSubject is the synchronous API of one node: consentgw.rpc.<verb>.<node>, served
// by that node alone (no queue group), for operators and tests that must pick the node
// that does the work.
func NodeRPCSubject(verb Verb, node string) string { return RPCPrefix + string(verb) + "." + node }

// holderWait tracks which of the holders a broadcast still waits for.
type holderWait struct {
	missing []string
}

func newHolderWait(holders []string) *holderWait {
	return &holderWait{missing: slices.Clone(holders)}
}

// confirmed notes a node's answer.
func (h *holderWait) confirmed(node string) {
	h.missing = slices.DeleteFunc(h.missing, func(n string) bool { return n == node })
}

// err is ErrHolderSilent naming the holders that never answered, or nil.
func (h *holderWait) err() error {
	if len(h.missing) == 0 {
		return nil
	}
	slices.Sort(h.missing)
	return &silentError{nodes: h.missing}
}

type silentError struct{ nodes []string }

func (e *silentError) Error() string {
	return ErrHolderSilent.Error() + ": " + strings.Join(e.nodes, ", ")
}
func (e *silentError) Is(target error) bool { return target == ErrHolderSilent }

// sortedNames is the nodes that answered a broadcast, sorted, each once.
func sortedNames(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

// onNodeRPC serves consentgw.rpc.<verb>.<node> as the shared consentgw.rpc.<verb>.
func (l *Listener) onNodeRPC(msg *nats.Msg) {
	verb, _, _ := strings.Cut(strings.TrimPrefix(msg.Subject, RPCPrefix), ".")
	msg.Subject = RPCPrefix + verb
	l.onRPC(msg)
}
