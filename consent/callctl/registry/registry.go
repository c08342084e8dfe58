// Package registry is the cluster's call registry: which node holds which call, and so
// which nodes an erase must hear from. It is a JetStream key-value bucket
// (CONSENTGW_CALLS) replicated like the gateway's streams, where each node writes an
// entry per call it bridges, keyed by receipt id and by each of the call's subject keys,
// and rewrites it while the call lives.
//
// An erase asks it which nodes hold calls of the subject, and needs each of those to
// confirm its discard (rights.Broadcast). A node that dies mid-call keeps the call's audio
// in its spool, so its entries stay: erases of those subjects fail (durable ones are
// retried) until the node is back, forgets its earlier run's entries (Forget) and confirms
// with its spool in reach, or until the bucket's TTL (a day) drops them. A node that stops
// cleanly with an empty spool deletes its entries (Close).
//
// Keys (pseudonyms and ids only, never a number):
//
//	call.<receipt-id>                          → the node's name
//	subject.<subject-key>.<node>.<receipt-id>  → the node's name
//	node.<node>.<setting>                      → a fingerprint (CheckSame)
package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Bucket is the key-value bucket of live calls.
const Bucket = "CONSENTGW_CALLS"

// DefaultTTL is how long an entry outlives its node's last rewrite: how long erases of a
// dead node's subjects wait for it to come back before they complete without it.
const DefaultTTL = 24 * time.Hour

// writeTimeout bounds one put or delete; a NATS outage delays entries, never a call.
const writeTimeout = 2 * time.Second

// listTimeout bounds Holders. The listing is a consumer on the bucket's stream, and one
// created while the stream elects a new leader (a NATS server was lost: about 6 s) may
// never deliver; the erase waiting on it fails instead, and is retried.
const listTimeout = 5 * time.Second

// Options wire a Registry.
type Options struct {
	JS jetstream.JetStream
	// Node is this gateway's node_name, a NATS subject token.
	Node string
	// Replicas is how many JetStream servers keep the bucket (nats.replicas); 0 = 1.
	Replicas int
	// TTL is the bucket's TTL, entries are rewritten at a third of it; 0 = DefaultTTL.
	TTL    time.Duration
	Logger *slog.Logger
}

// Registry is this node's view of the bucket: it writes the node's own calls and reads
// everyone's.
//
// Lock order: mu guards the maps only; no NATS call is made while it is held.
type Registry struct {
	o  Options
	kv jetstream.KeyValue

	mu       sync.Mutex
	held     map[string][]string // receipt id → subject keys, calls this node holds
	due      map[string]bool     // held calls whose entries are not written yet
	released map[string][]string // calls ended here whose entries are still to delete
	forget   bool                // Forget asked, not done yet
	settings map[string]string   // node.<node>.<name> → value, see CheckSame

	wake chan struct{}
	// ctx ends the writer's NATS calls at Close, so an outage never holds up a stop.
	ctx     context.Context
	cancel  context.CancelFunc
	stopped chan struct{}
}

// Open creates or updates the bucket and starts writing this node's entries.
func Open(ctx context.Context, o Options) (*Registry, error) {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	kv, err := o.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      Bucket,
		Description: "consentgw live calls: which node holds which call",
		TTL:         o.TTL,
		History:     1,
		// On disk: a dead node's entries must outlive a restart of the NATS cluster.
		Storage:  jetstream.FileStorage,
		Replicas: max(o.Replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("registry: creating or updating bucket %s with %d replicas: %w", Bucket, max(o.Replicas, 1), err)
	}
	r := &Registry{
		o: o, kv: kv,
		held: map[string][]string{}, due: map[string]bool{}, released: map[string][]string{}, settings: map[string]string{},
		wake: make(chan struct{}, 1), stopped: make(chan struct{}),
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	go r.write()
	return r, nil
}

// Hold notes that this node holds call id with these subjects. It never waits on NATS:
// the entries are written in the background, and rewritten until Release.
func (r *Registry) Hold(id string, subjects []string) {
	r.mu.Lock()
	r.held[id] = subjects
	r.due[id] = true
	delete(r.released, id)
	r.mu.Unlock()
	r.kick()
}

// Release notes that the call ended here; its entries are deleted in the background.
func (r *Registry) Release(id string) {
	r.mu.Lock()
	if subjects, ok := r.held[id]; ok {
		r.released[id] = subjects
	}
	delete(r.held, id)
	delete(r.due, id)
	r.mu.Unlock()
	r.kick()
}

func (r *Registry) kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Holders lists the nodes that hold a call of the subject now, each once.
func (r *Registry) Holders(ctx context.Context, subjectKey string) ([]string, error) {
	keys, err := r.listKeys(ctx, subjectPrefix(subjectKey)+">")
	if err != nil {
		return nil, fmt.Errorf("registry: listing the subject's calls: %w", err)
	}
	var nodes []string
	seen := map[string]bool{}
	for _, key := range keys {
		node, _, ok := strings.Cut(strings.TrimPrefix(key, subjectPrefix(subjectKey)), ".")
		if ok && !seen[node] {
			seen[node] = true
			nodes = append(nodes, node)
		}
	}
	return nodes, nil
}

// listKeys lists the keys that match filter, within listTimeout.
func (r *Registry) listKeys(ctx context.Context, filter string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	lister, err := r.kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		return nil, err
	}
	var keys []string
	for key := range lister.Keys() {
		keys = append(keys, key)
	}
	// The lister ends early, without an error, when ctx does.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return keys, nil
}

// Forget has the entries an earlier run of this node left (it died holding calls)
// deleted, in the background and until it succeeds. Call it once this node answers erase
// broadcasts, whose spool discard reaches those calls' audio now.
func (r *Registry) Forget() {
	r.mu.Lock()
	r.forget = true
	r.mu.Unlock()
	r.kick()
}

// forgetEarlier queues the deletes of Forget; false if the listing failed.
func (r *Registry) forgetEarlier(ctx context.Context) bool {
	keys, err := r.listKeys(ctx, "subject.*."+r.o.Node+".*")
	if err != nil {
		return false
	}
	stale := map[string][]string{}
	for _, key := range keys {
		parts := strings.Split(key, ".") // subject, key, node, id
		if len(parts) == 4 {
			stale[parts[3]] = append(stale[parts[3]], parts[1])
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for id, subjects := range stale {
		if _, held := r.held[id]; !held {
			r.released[id] = subjects
			n++
		}
	}
	if n > 0 {
		r.o.Logger.Info("registry: forgetting the calls an earlier run of this node held", "calls", n)
	}
	return true
}

// CallHolders names the node that holds call id, if one does.
func (r *Registry) CallHolders(ctx context.Context, id string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	e, err := r.kv.Get(ctx, "call."+id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registry: looking up call %s: %w", id, err)
	}
	return []string{string(e.Value())}, nil
}

// Close stops writing. With release set (the node holds no call and its spool is empty)
// it deletes the node's entries within ctx; without, they stay until Forget or the TTL,
// so that erases wait for the audio the spool still holds.
func (r *Registry) Close(ctx context.Context, release bool) {
	r.cancel()
	<-r.stopped
	if !release {
		return
	}
	r.mu.Lock()
	for id, subjects := range r.held {
		r.released[id] = subjects
	}
	r.held, r.due = map[string][]string{}, map[string]bool{}
	settings := r.settings
	r.mu.Unlock()
	r.sync(ctx, false)
	for key := range settings {
		_ = r.delete(ctx, key)
	}
}

func (r *Registry) settingsCopy() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.settings)
}

func subjectPrefix(subjectKey string) string { return "subject." + subjectKey + "." }

func (r *Registry) keys(id string, subjects []string) []string {
	keys := []string{"call." + id}
	for _, s := range subjects {
		keys = append(keys, subjectPrefix(s)+r.o.Node+"."+id)
	}
	return keys
}

// write is the goroutine that puts and deletes entries: new calls at once, every held
// call again each TTL/3, so that its entries never expire while it lives.
func (r *Registry) write() {
	defer close(r.stopped)
	tick := time.NewTicker(r.o.TTL / 3)
	defer tick.Stop()
	var retry <-chan time.Time // armed while writes failed (NATS away)
	for {
		all := false
		select {
		case <-r.ctx.Done():
			return
		case <-r.wake:
		case <-retry:
		case <-tick.C:
			all = true
		}
		r.sync(r.ctx, all)
		retry = nil
		if r.unfinished() {
			retry = time.After(retryEvery)
		}
	}
}

// retryEvery is how soon failed writes are tried again.
const retryEvery = 2 * time.Second

// unfinished reports whether puts or a Forget failed and wait for a retry.
func (r *Registry) unfinished() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.forget || len(r.due) > 0
}

// sync writes the due entries (all held ones when all is set) and deletes the released.
// A failed put stays due; a failed delete is left to the TTL.
func (r *Registry) sync(ctx context.Context, all bool) {
	r.mu.Lock()
	forget := r.forget
	r.mu.Unlock()
	if forget && r.forgetEarlier(ctx) {
		r.mu.Lock()
		r.forget = false
		r.mu.Unlock()
	}
	r.mu.Lock()
	put := map[string][]string{}
	for id, subjects := range r.held {
		if all || r.due[id] {
			put[id] = subjects
		}
	}
	r.due = map[string]bool{}
	del := r.released
	r.released = map[string][]string{}
	r.mu.Unlock()

	var settings map[string]string
	if all {
		settings = r.settingsCopy()
	}
	var failed []string
	var firstErr error
	for key, value := range settings {
		if err := r.putValue(ctx, key, value); err != nil {
			firstErr = cmp.Or(firstErr, err)
		}
	}
	for id, subjects := range put {
		if err := r.each(ctx, r.keys(id, subjects), r.put); err != nil {
			failed = append(failed, id)
			firstErr = cmp.Or(firstErr, err)
		}
	}
	for id, subjects := range del {
		if err := r.each(ctx, r.keys(id, subjects), r.delete); err != nil {
			firstErr = cmp.Or(firstErr, err)
		}
	}
	if len(failed) > 0 {
		r.mu.Lock()
		for _, id := range failed {
			if _, ok := r.held[id]; ok {
				r.due[id] = true
			}
		}
		r.mu.Unlock()
	}
	if firstErr != nil && ctx.Err() == nil {
		r.o.Logger.Warn("live-call registry not updated; retrying", "calls", len(failed), "error", firstErr)
	}
}

func (r *Registry) each(ctx context.Context, keys []string, op func(context.Context, string) error) error {
	var errs []error
	for _, k := range keys {
		errs = append(errs, op(ctx, k))
	}
	return errors.Join(errs...)
}

func (r *Registry) put(ctx context.Context, key string) error { return r.putValue(ctx, key, r.o.Node) }

func (r *Registry) putValue(ctx context.Context, key, value string) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	_, err := r.kv.PutString(ctx, key, value)
	return err
}

func (r *Registry) delete(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	// Purge, not Delete: the key leaves no marker behind for watchers to skip.
	return r.kv.Purge(ctx, key)
}
