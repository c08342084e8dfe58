package rights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
)

// How long a broadcast waits for the nodes' answers. Nodes are not registered anywhere,
// so it waits for the first answer (its own node's, normally), then until no further
// answer came for gatherIdle.
const (
	gatherFirst = 5 * time.Second
	gatherIdle  = 250 * time.Millisecond
)

// LocalDiscarder is one node's part of an erase: split.Splitter (calls being recorded)
// and archive.Archiver (jobs in the spool) both are.
type LocalDiscarder interface {
	DiscardSubject(subjectKey string) int
}

// RecordingDiscarder is a LocalDiscarder that can drop a subject's recordings alone,
// leaving its receipts to be stored (an erase of scope recordings).
type RecordingDiscarder interface {
	DiscardSubjectRecordings(subjectKey string) int
}

// CallDiscarder is a LocalDiscarder that can drop one call (an erase of scope call).
type CallDiscarder interface {
	DiscardCall(id string) int
}

// controlRequest is an erase's target on the wire. subject_key is set for scope subject
// only: a gateway of an earlier version reads it and nothing else, and must ignore a
// narrower erase (it would drop a subject's receipts for an erase of its recordings). A
// request without a scope is one of scope subject, from such a gateway.
type controlRequest struct {
	Scope        Scope  `json:"scope,omitempty"`
	SubjectKey   string `json:"subject_key,omitempty"`
	RecordingsOf string `json:"recordings_of,omitempty"`
	Call         string `json:"call,omitempty"`
}

func toControl(t DiscardTarget) controlRequest {
	switch t.Scope {
	case ScopeRecordings:
		return controlRequest{Scope: t.Scope, RecordingsOf: t.SubjectKey}
	case ScopeCall:
		return controlRequest{Scope: t.Scope, Call: t.Call}
	}
	return controlRequest{Scope: ScopeSubject, SubjectKey: t.SubjectKey}
}

func (c controlRequest) target() DiscardTarget {
	switch c.Scope {
	case ScopeRecordings:
		return DiscardTarget{Scope: c.Scope, SubjectKey: c.RecordingsOf}
	case ScopeCall:
		return DiscardTarget{Scope: c.Scope, Call: c.Call}
	}
	return DiscardTarget{Scope: ScopeSubject, SubjectKey: c.SubjectKey}
}

type controlReply struct {
	Node    string `json:"node"`
	Live    int    `json:"live"`
	Spooled int    `json:"spooled"`
}

// Broadcast is the Discarder that reaches every gateway on the NATS server: it publishes
// on ControlErase and sums the nodes' answers.
type Broadcast struct {
	Conn   *nats.Conn
	Logger *slog.Logger
}

// Discard asks every node to discard what it holds of the target: live recordings and
// spooled jobs.
func (b Broadcast) Discard(ctx context.Context, t DiscardTarget) (Discarded, error) {
	body, err := json.Marshal(toControl(t))
	if err != nil {
		return Discarded{}, err
	}
	inbox := b.Conn.NewRespInbox()
	sub, err := b.Conn.SubscribeSync(inbox)
	if err != nil {
		return Discarded{}, fmt.Errorf("broadcasting erase: %w", err)
	}
	defer sub.Unsubscribe()
	if err := b.Conn.PublishRequest(ControlErase, inbox, body); err != nil {
		return Discarded{}, fmt.Errorf("broadcasting erase: %w", err)
	}
	var d Discarded
	wait := gatherFirst
	for {
		wctx, cancel := context.WithTimeout(ctx, wait)
		msg, err := sub.NextMsgWithContext(wctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return d, fmt.Errorf("broadcasting erase: %w", ctx.Err())
			}
			if d.Nodes == 0 && b.Logger != nil {
				b.Logger.Warn("no gateway answered the erase broadcast; erasing the store anyway", "subject", subject.Redact(t.SubjectKey), "call", t.Call)
			}
			return d, nil
		}
		var r controlReply
		if json.Unmarshal(msg.Data, &r) != nil {
			continue
		}
		d.Nodes++
		d.Live += r.Live
		d.Spooled += r.Spooled
		wait = gatherIdle
	}
}

// serveControl answers ControlErase on this node.
func serveControl(nc *nats.Conn, node string, live, spool LocalDiscarder, log *slog.Logger) (*nats.Subscription, error) {
	return nc.Subscribe(ControlErase, func(msg *nats.Msg) {
		var wire controlRequest
		err := json.Unmarshal(msg.Data, &wire)
		req := wire.target()
		if err != nil || !validControl(wire.Scope, req) {
			log.Warn("ignoring a malformed erase broadcast", "error", errors.Join(err, errors.New(`want {"scope":"subject","subject_key":<64 hex>}, {"scope":"recordings","recordings_of":<64 hex>} or {"scope":"call","call":<id>}`)))
			return
		}
		r := controlReply{Node: node, Live: discardOn(live, req), Spooled: discardOn(spool, req)}
		if r.Live > 0 || r.Spooled > 0 {
			log.Info("erased data discarded on this node", "scope", req.Scope, "subject", subject.Redact(req.SubjectKey), "call", req.Call, "live", r.Live, "spooled", r.Spooled)
		}
		if msg.Reply != "" {
			body, _ := json.Marshal(r)
			_ = msg.Respond(body)
		}
	})
}

func validControl(scope Scope, t DiscardTarget) bool {
	switch scope {
	case "", ScopeSubject, ScopeRecordings:
		return storage.ValidSegment(t.SubjectKey) == nil && isHexKey(t.SubjectKey)
	case ScopeCall:
		_, err := consent.IDTime(t.Call)
		return err == nil
	}
	return false
}

// discardOn is one node part's share of an erase, by scope. A part that cannot narrow
// to recordings or a call has nothing of that kind to drop.
func discardOn(d LocalDiscarder, t DiscardTarget) int {
	if d == nil {
		return 0
	}
	switch t.Scope {
	case ScopeRecordings:
		if r, ok := d.(RecordingDiscarder); ok {
			return r.DiscardSubjectRecordings(t.SubjectKey)
		}
		return 0
	case ScopeCall:
		if c, ok := d.(CallDiscarder); ok {
			return c.DiscardCall(t.Call)
		}
		return 0
	}
	return d.DiscardSubject(t.SubjectKey)
}

func isHexKey(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
