package rights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/consent/audit"
)

// Durable delivery: a request is acknowledged only after its work is done; while it runs
// the gateway tells the server it is in progress, and a failed attempt is retried later.
const (
	ackWait       = time.Minute
	progressEvery = ackWait / 3
	maxRetryDelay = 5 * time.Minute
	// workTimeout bounds one request (an export of many hours of audio included).
	workTimeout = 30 * time.Minute
)

// ListenOptions wire a Listener.
type ListenOptions struct {
	Conn    *nats.Conn
	JS      jetstream.JetStream
	Service *Service
	Events  EventSink
	Node    string
	Logger  *slog.Logger
	// LiveCalls and Spool are this node's part of every erase (see LocalDiscarder).
	LiveCalls LocalDiscarder
	Spool     LocalDiscarder
	// Workers bounds the requests this node works on at once; 0 = 4.
	Workers int
	// SweepExports, if > 0, deletes expired export bundles at this interval (a store
	// without lifecycle rules).
	SweepExports time.Duration
	// Verifier, when it holds keys, makes a valid SignatureHeader mandatory and sets
	// requested_by to the signer.
	Verifier Verifier
}

// Listener serves the NATS API of SPEC §6 on one gateway.
type Listener struct {
	o       ListenOptions
	log     *slog.Logger
	sem     chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	subs    []*nats.Subscription
	consume jetstream.ConsumeContext
	wg      sync.WaitGroup // requests in progress
	mu      sync.Mutex     // guards closed against wg.Add
	closed  bool
	// The export sweeper stops first at Close; it holds no request.
	sweepStop context.CancelFunc
	sweeping  chan struct{}
}

// Listen subscribes to the RPC subjects (queue group), the erase broadcast, and the
// durable consumer of CONSENTGW_REQUESTS, so requests published while no gateway ran are
// processed now.
func Listen(o ListenOptions) (*Listener, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{o: o, log: o.Logger, sem: make(chan struct{}, o.Workers), ctx: ctx, cancel: cancel}
	o.Service.queue = l
	fail := func(err error) (*Listener, error) {
		l.Close(context.Background())
		return nil, err
	}
	sub, err := serveControl(o.Conn, o.Node, o.LiveCalls, o.Spool, o.Logger)
	if err != nil {
		return fail(fmt.Errorf("rights: subscribing to %s: %w", ControlErase, err))
	}
	l.subs = append(l.subs, sub)
	sub, err = o.Conn.QueueSubscribe(RPCPrefix+"*", QueueGroup, l.onRPC)
	if err != nil {
		return fail(fmt.Errorf("rights: subscribing to %s*: %w", RPCPrefix, err))
	}
	l.subs = append(l.subs, sub)
	cons, err := o.JS.CreateOrUpdateConsumer(ctx, Stream, jetstream.ConsumerConfig{
		Durable:       Durable,
		Description:   "consentgw gateways: data-subject requests",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    -1,
		MaxAckPending: 1000,
	})
	if err != nil {
		return fail(fmt.Errorf("rights: durable consumer on %s: %w", Stream, err))
	}
	l.consume, err = cons.Consume(l.onDurable, jetstream.PullMaxMessages(o.Workers),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			l.log.Debug("durable request consumer", "error", err)
		}))
	if err != nil {
		return fail(fmt.Errorf("rights: consuming %s: %w", Stream, err))
	}
	if o.SweepExports > 0 {
		sctx, stop := context.WithCancel(ctx)
		l.sweepStop, l.sweeping = stop, make(chan struct{})
		go l.sweep(sctx)
	}
	return l, nil
}

// Close stops taking requests and waits, until ctx ends, for those in progress. A durable
// request cut short is redelivered to another gateway or at the next start.
func (l *Listener) Close(ctx context.Context) error {
	if l.sweepStop != nil {
		l.sweepStop()
		<-l.sweeping
	}
	if l.consume != nil {
		l.consume.Stop()
	}
	for _, s := range l.subs {
		_ = s.Unsubscribe()
	}
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		l.cancel()
		return nil
	case <-ctx.Done():
		l.cancel()
		<-done
		return fmt.Errorf("rights: requests in progress at stop: %w", ctx.Err())
	}
}

// begin takes a worker slot and registers the request, unless the listener is closing.
func (l *Listener) begin() bool {
	select {
	case l.sem <- struct{}{}:
	case <-l.ctx.Done():
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		<-l.sem
		return false
	}
	l.wg.Add(1)
	return true
}

func (l *Listener) onRPC(msg *nats.Msg) {
	if !l.begin() {
		return
	}
	go func() {
		defer l.wg.Done()
		defer func() { <-l.sem }()
		verb := strings.TrimPrefix(msg.Subject, RPCPrefix)
		reply, _ := l.handle(verb, msg.Data, msg.Header.Get(SignatureHeader), ViaRPC)
		if msg.Reply != "" {
			if err := msg.Respond(reply); err != nil {
				l.log.Warn("reply to a rights request not sent", "error", err)
			}
		}
	}()
}

func (l *Listener) onDurable(msg jetstream.Msg) {
	if !l.begin() {
		_ = msg.Nak()
		return
	}
	go func() {
		defer l.wg.Done()
		defer func() { <-l.sem }()
		stop := l.keepInProgress(msg)
		verb := strings.TrimPrefix(msg.Subject(), RequestPrefix)
		_, retry := l.handle(verb, msg.Data(), msg.Headers().Get(SignatureHeader), ViaDurable)
		stop()
		if retry {
			delay := time.Second
			if md, err := msg.Metadata(); err == nil {
				for i := uint64(1); i < md.NumDelivered && delay < maxRetryDelay; i++ {
					delay *= 2
				}
			}
			_ = msg.NakWithDelay(min(delay, maxRetryDelay))
			return
		}
		// Acknowledged only now that the work is done and its event published.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := msg.DoubleAck(ctx); err != nil {
			l.log.Warn("durable request done but its ack was lost; it will be redelivered and answered from its record", "error", err)
		}
	}()
}

// keepInProgress extends the ack deadline while a long request runs.
func (l *Listener) keepInProgress(msg jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

// handle decodes and runs one request and returns the reply, and whether the request
// should be tried again (it failed, but was not rejected).
func (l *Listener) handle(verbName string, data []byte, signature, via string) ([]byte, bool) {
	verb, err := ParseVerb(verbName)
	if err == nil && via == ViaDurable && !verb.Recorded() {
		err = reject(fmt.Sprintf("%s is answered over %s%s only: it changes nothing, so there is nothing to do durably", verb, RPCPrefix, verb))
	}
	var req Request
	var signer string
	if err == nil && len(l.o.Verifier) > 0 {
		signer, err = l.o.Verifier.Verify(verb, data, signature)
	}
	if err == nil {
		req, err = Decode(verb, data)
	}
	if err == nil && signer != "" {
		switch req.RequestedBy {
		case "":
			req.RequestedBy = signer
		case signer:
		default:
			err = reject("requested_by is not the requester whose key signed the request")
		}
	}
	var res any
	if err == nil {
		ctx, cancel := context.WithTimeout(l.ctx, workTimeout)
		res, err = l.o.Service.Do(ctx, verb, req, via)
		cancel()
	}
	switch {
	case err == nil:
		body, _ := json.Marshal(res)
		return body, false
	case errors.Is(err, ErrRejected):
		r := Rejection{RequestID: req.RequestID, Status: StatusRejected, Error: err.Error(), RequestedBy: req.RequestedBy}
		if r.RequestID == "" {
			r.RequestID, r.RequestedBy = bestEffort(data)
		}
		ev := r
		ev.Verb, ev.Via = string(verb), via
		l.o.Events.Emit(audit.KindRequestRejected, ev)
		l.log.Warn("rights request rejected", "via", via, "verb", verb, "request_id", r.RequestID, "reason", r.Error)
		body, _ := json.Marshal(r)
		return body, false
	default:
		l.log.Error("rights request failed; it can be retried", "via", via, "verb", verb, "request_id", req.RequestID, "error", err)
		body, _ := json.Marshal(Rejection{RequestID: req.RequestID, Status: StatusFailed, Error: failure(err), RequestedBy: req.RequestedBy})
		return body, true
	}
}

// bestEffort echoes the request_id and requested_by of a rejected request when they are
// safe ones, so the requester can match the reply and the audit trail says who (claimed
// to have) asked.
func bestEffort(data []byte) (id, by string) {
	var w struct {
		RequestID   string `json:"request_id"`
		RequestedBy string `json:"requested_by"`
	}
	if json.Unmarshal(data, &w) != nil {
		return "", ""
	}
	if checkID(w.RequestID) == nil {
		id = w.RequestID
	}
	if len(w.RequestedBy) <= maxByLen && !strings.ContainsFunc(w.RequestedBy, unicode.IsControl) {
		by = w.RequestedBy
	}
	return id, by
}

// failure phrases an internal error for the requester.
func failure(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the gateway ran out of time; send the same request again"
	case errors.Is(err, ErrIncomplete):
		return "objects of the subject kept appearing during the erase; send the same request again"
	}
	return "the gateway could not finish the request now (" + err.Error() + "); send the same request again"
}

// maxQueueScan bounds the stream sequences status looks at.
const maxQueueScan = 10000

// queued lists the durable requests still in the stream (waiting, in progress, or
// retrying), oldest first, for status.
func (l *Listener) queued(ctx context.Context, limit int) ([]queued, error) {
	st, err := l.o.JS.Stream(ctx, Stream)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", Stream, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", Stream, err)
	}
	var out []queued
	last := min(info.State.LastSeq, info.State.FirstSeq+maxQueueScan)
	for seq := info.State.FirstSeq; seq <= last && info.State.Msgs > 0 && len(out) < limit; seq++ {
		msg, err := st.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // acknowledged: gone from the work queue
		}
		if err != nil {
			return out, fmt.Errorf("reading %s: %w", Stream, err)
		}
		out = append(out, queued{verb: strings.TrimPrefix(msg.Subject, RequestPrefix), data: msg.Data, at: msg.Time})
	}
	return out, nil
}

func (l *Listener) sweep(ctx context.Context) {
	defer close(l.sweeping)
	t := time.NewTicker(l.o.SweepExports)
	defer t.Stop()
	for {
		n, err := ExpireExports(ctx, l.o.Service.o.Store, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			l.log.Error("expiring export bundles failed", "error", err)
		case n > 0:
			l.log.Info("expired export bundles deleted", "bundles", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
