package keystore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"filippo.io/age"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/consent/sealing"
)

// opTimeout bounds one read or write of the bucket; a listing gets listTimeout. A call
// waits on neither: its keys are fetched in the background when it is answered.
const (
	opTimeout   = 5 * time.Second
	listTimeout = 10 * time.Second
)

// KVOptions wire a KV store.
type KVOptions struct {
	JS jetstream.JetStream
	// Replicas is how many JetStream servers keep the bucket (nats.replicas); 0 = 1.
	Replicas int
	// Wrapper wraps the private keys: the KEK, or Vault transit.
	Wrapper sealing.Wrapper
	// RotateAfter makes a party a new key for new audio once its newest is this old; 0 =
	// never.
	RotateAfter time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

func (o *KVOptions) defaults() error {
	if o.Wrapper == nil {
		return errors.New("keystore: no key-encryption key")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// KV is the key store in a JetStream key-value bucket.
type KV struct {
	o      KVOptions
	kv     jetstream.KeyValue
	stream jetstream.Stream
}

// OpenKV creates or updates the bucket: history 1 (a ring has one message; the stream
// holds no earlier copy of a destroyed key), on disk, replicated. It is the stream a
// JetStream key-value bucket is (KV_CONSENTGW_KEYS on $KV.CONSENTGW_KEYS.>, `nats kv`
// reads it), made here rather than by the client library because a bucket made there
// refuses message deletes, and destroying a key is a secure delete of its message.
func OpenKV(ctx context.Context, o KVOptions) (*KV, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	replicas := max(o.Replicas, 1)
	stream, err := o.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              "KV_" + Bucket,
		Description:       "consentgw party keys, wrapped: destroying one makes that party's audio unreadable everywhere",
		Subjects:          []string{"$KV." + Bucket + ".>"},
		MaxMsgsPerSubject: 1,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxMsgSize:        -1,
		MaxConsumers:      -1,
		Storage:           jetstream.FileStorage,
		Replicas:          replicas,
		Discard:           jetstream.DiscardNew,
		AllowRollup:       true,
		AllowDirect:       true,
		Duplicates:        2 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("keystore: creating or updating bucket %s with %d replicas: %w", Bucket, replicas, err)
	}
	kv, err := o.JS.KeyValue(ctx, Bucket)
	if err != nil {
		return nil, fmt.Errorf("keystore: opening bucket %s: %w", Bucket, err)
	}
	return &KV{o: o, kv: kv, stream: stream}, nil
}

// BindKV opens the bucket a gateway made, without creating or changing it: for tools
// that decrypt (consentgw decrypt) with the gateway's NATS login.
func BindKV(ctx context.Context, o KVOptions) (*KV, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	kv, err := o.JS.KeyValue(ctx, Bucket)
	if err != nil {
		return nil, fmt.Errorf("keystore: opening bucket %s: %w", Bucket, err)
	}
	stream, err := o.JS.Stream(ctx, "KV_"+Bucket)
	if err != nil {
		return nil, fmt.Errorf("keystore: opening the stream of bucket %s: %w", Bucket, err)
	}
	return &KV{o: o, kv: kv, stream: stream}, nil
}

// Current returns the party's newest key, making the first one (or a rotated one). Two
// nodes making a party's first key at once agree on one: the loser of the create reads
// the winner's.
func (s *KV) Current(ctx context.Context, name string) (sealing.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	for range 3 {
		e, err := s.kv.Get(ctx, name)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			if k, err := s.create(ctx, name); !errors.Is(err, jetstream.ErrKeyExists) {
				return k, err
			}
			continue // made meanwhile by another call or node
		case err != nil:
			return sealing.PublicKey{}, fmt.Errorf("reading key ring %s: %w: %w", sealing.LogName(name), ErrUnavailable, err)
		}
		ring, err := decodeRing(name, e.Value())
		if err != nil {
			return sealing.PublicKey{}, err
		}
		if !ring.due(s.o.RotateAfter, s.o.Now()) {
			return ring.current()
		}
		k, err := s.rotate(ctx, ring, e.Revision())
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue // rotated meanwhile
		}
		return k, err
	}
	return sealing.PublicKey{}, fmt.Errorf("key ring %s: changed under three tries: %w", sealing.LogName(name), ErrUnavailable)
}

func (s *KV) create(ctx context.Context, name string) (sealing.PublicKey, error) {
	k, err := newKey(ctx, s.o.Wrapper, s.o.Now())
	if err != nil {
		return sealing.PublicKey{}, err
	}
	ring := &Ring{Format: RingFormat, Name: name, Keys: []RingKey{k}}
	if err := s.put(ctx, ring, 0); err != nil {
		return sealing.PublicKey{}, err
	}
	return ring.current()
}

// rotate adds a new key to the ring; the earlier keys stay, for the audio they hold.
func (s *KV) rotate(ctx context.Context, ring *Ring, revision uint64) (sealing.PublicKey, error) {
	k, err := newKey(ctx, s.o.Wrapper, s.o.Now())
	if err != nil {
		return sealing.PublicKey{}, err
	}
	ring.Keys = append(ring.Keys, k)
	if err := s.put(ctx, ring, revision); err != nil {
		return sealing.PublicKey{}, err
	}
	s.o.Logger.Info("party key rotated", "key", sealing.LogName(ring.Name), "kid", k.KeyID, "keys", len(ring.Keys))
	return ring.current()
}

// put writes a ring: a create when revision is 0, else an update of that revision.
func (s *KV) put(ctx context.Context, ring *Ring, revision uint64) error {
	body, err := json.Marshal(ring)
	if err != nil {
		return err
	}
	if revision == 0 {
		_, err = s.kv.Create(ctx, ring.Name, body)
	} else {
		_, err = s.kv.Update(ctx, ring.Name, body, revision)
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return jetstream.ErrKeyExists
	}
	if err != nil {
		return fmt.Errorf("writing key ring %s: %w: %w", sealing.LogName(ring.Name), ErrUnavailable, err)
	}
	return nil
}

// Identities unwraps every key of the party's ring, newest first. A stream that names no
// key was encrypted to the deployment's recipients (public-key mode): the store has none.
func (s *KV) Identities(ctx context.Context, name string) ([]age.Identity, error) {
	if name == "" {
		return nil, fmt.Errorf("a stream of public-key mode: %w", sealing.ErrNoKey)
	}
	ring, _, err := s.ring(ctx, name)
	if err != nil {
		return nil, err
	}
	return ring.identities(ctx, s.o.Wrapper)
}

// ring reads a party's ring and its revision; sealing.ErrNoKey when there is none.
func (s *KV) ring(ctx context.Context, name string) (*Ring, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	e, err := s.kv.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("key ring %s: %w", sealing.LogName(name), sealing.ErrNoKey)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading key ring %s: %w: %w", sealing.LogName(name), ErrUnavailable, err)
	}
	ring, err := decodeRing(name, e.Value())
	return ring, e.Revision(), err
}

// DestroySubject destroys every ring whose name holds the subject's key.
func (s *KV) DestroySubject(ctx context.Context, subjectKey string) ([]string, error) {
	return s.destroyMatching(ctx, sealing.SubjectFilters(subjectKey)...)
}

// DestroyCall destroys the rings of a call's parties that had no subject.
func (s *KV) DestroyCall(ctx context.Context, callID string) ([]string, error) {
	return s.destroyMatching(ctx, sealing.CallKeyFilter(callID))
}

func (s *KV) destroyMatching(ctx context.Context, filters ...string) ([]string, error) {
	names, err := s.list(ctx, filters...)
	if err != nil {
		return nil, err
	}
	var kids []string
	for _, name := range names {
		ids, err := s.destroy(ctx, name)
		if err != nil {
			return kids, err
		}
		kids = append(kids, ids...)
	}
	slices.Sort(kids)
	return slices.Compact(kids), nil
}

// list names the rings matching filters. A listing that did not finish (its consumer was
// made while the stream elected a leader, and never delivered) is an error: an erase must
// not report a key as gone that it never saw.
func (s *KV) list(ctx context.Context, filters ...string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	lister, err := s.kv.ListKeysFiltered(ctx, filters...)
	if err != nil {
		return nil, fmt.Errorf("listing key rings: %w: %w", ErrUnavailable, err)
	}
	defer lister.Stop()
	var names []string
	for name := range lister.Keys() {
		names = append(names, name)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("listing key rings: %w: %w", ErrUnavailable, ctx.Err())
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// destroy securely deletes the ring's message, on every replica (the stream's message
// delete overwrites the bytes), until the bucket holds none under its name: a ring
// rewritten meanwhile (a rotation) goes too.
func (s *KV) destroy(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var kids []string
	deleted := map[uint64]bool{}
	for range 8 {
		e, err := s.kv.Get(ctx, name)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return kids, nil
		}
		if err != nil {
			return kids, fmt.Errorf("destroying key ring %s: %w: %w", sealing.LogName(name), ErrUnavailable, err)
		}
		if deleted[e.Revision()] {
			return kids, nil // a replica that has not applied the delete yet
		}
		if ring, err := decodeRing(name, e.Value()); err == nil {
			kids = append(kids, ring.keyIDs()...)
		}
		if err := s.stream.SecureDeleteMsg(ctx, e.Revision()); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return kids, fmt.Errorf("destroying key ring %s: %w: %w", sealing.LogName(name), ErrUnavailable, err)
		}
		deleted[e.Revision()] = true
	}
	return kids, fmt.Errorf("destroying key ring %s: rewritten under eight deletes: %w", sealing.LogName(name), ErrUnavailable)
}
