package rights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

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

type controlRequest struct {
	SubjectKey string `json:"subject_key"`
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
	// Holders, when set, names the nodes that must answer: the broadcast waits up to
	// gatherFirst for each node holding a live call of the subject, and fails with
	// ErrHolderSilent if one never does.
	Holders HolderLookup
}

// Discard asks every node to discard the subject's live recordings and spooled jobs.
func (b Broadcast) Discard(ctx context.Context, subjectKey string) (Discarded, error) {
	body, err := json.Marshal(controlRequest{SubjectKey: subjectKey})
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
	holders := newHolderWait(nil)
	if b.Holders != nil {
		nodes, err := b.Holders.Holders(ctx, subjectKey)
		if err != nil {
			return Discarded{}, fmt.Errorf("finding the gateways that hold the subject's calls: %w", err)
		}
		holders = newHolderWait(nodes)
	}
	var d Discarded
	wait := gatherFirst
	holdersBy := time.Now().Add(gatherFirst)
	for {
		wctx, cancel := context.WithTimeout(ctx, wait)
		msg, err := sub.NextMsgWithContext(wctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return d, fmt.Errorf("broadcasting erase: %w", ctx.Err())
			}
			if err := holders.err(); err != nil {
				return d, err
			}
			if d.Nodes == 0 && b.Logger != nil {
				b.Logger.Warn("no gateway answered the erase broadcast; erasing the store anyway", "subject", subject.Redact(subjectKey))
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
		d.Names = append(d.Names, r.Node)
		holders.confirmed(r.Node)
		wait = gatherIdle
		if holders.err() != nil {
			wait = max(time.Until(holdersBy), gatherIdle)
		}
	}
}

// serveControl answers ControlErase on this node.
func serveControl(nc *nats.Conn, node string, live, spool LocalDiscarder, log *slog.Logger) (*nats.Subscription, error) {
	return nc.Subscribe(ControlErase, func(msg *nats.Msg) {
		var req controlRequest
		if err := json.Unmarshal(msg.Data, &req); err != nil || storage.ValidSegment(req.SubjectKey) != nil || !isHexKey(req.SubjectKey) {
			log.Warn("ignoring a malformed erase broadcast", "error", errors.Join(err, errors.New("want {\"subject_key\": <64 hex>}")))
			return
		}
		r := controlReply{Node: node}
		if live != nil {
			r.Live = live.DiscardSubject(req.SubjectKey)
		}
		if spool != nil {
			r.Spooled = spool.DiscardSubject(req.SubjectKey)
		}
		if r.Live > 0 || r.Spooled > 0 {
			log.Info("erased subject's live data discarded on this node", "subject", subject.Redact(req.SubjectKey), "live", r.Live, "spooled", r.Spooled)
		}
		if msg.Reply != "" {
			body, _ := json.Marshal(r)
			_ = msg.Respond(body)
		}
	})
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
