package rights

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
)

// EventSink publishes audit events: Publish waits until the trail has the event (erase
// and export results), Emit queues (one event per deleted recording, rejections).
type EventSink interface {
	Emit(kind string, payload any)
	Publish(ctx context.Context, kind string, payload any) error
}

// Discarder stops what the nodes hold of an erase's target before the store is cleaned:
// calls being recorded, and receipts and recordings still in a spool. See Broadcast.
type Discarder interface {
	Discard(ctx context.Context, t DiscardTarget) (Discarded, error)
}

// DiscardTarget is what an erase reaches on the nodes: a subject's calls (scope
// subject), their recordings only (scope recordings), or one call (scope call).
type DiscardTarget struct {
	Scope      Scope  `json:"scope"`
	SubjectKey string `json:"subject_key,omitempty"`
	Call       string `json:"call,omitempty"`
}

// Discarded counts what the nodes discarded for one erase.
type Discarded struct {
	Nodes   int `json:"nodes"`
	Live    int `json:"live"`
	Spooled int `json:"spooled"`
	// Names are the nodes that answered.
	Names []string `json:"names,omitempty"`
}

// ExportPolicy is what an export bundle says and how long it lasts.
type ExportPolicy struct {
	// Expires is the default life of a bundle and its link; a request's "expires" wins.
	Expires time.Duration
	// The Art. 15 GDPR information written into each manifest.
	Purpose    string
	Recipients []string
	Retention  string
}

// Defaults of ExportPolicy.
const (
	DefaultExportExpires = 24 * time.Hour
	DefaultPurpose       = "Call recordings are kept, with the caller's explicit consent given by keypad at the start of the call, for quality assurance, training and the documentation of agreements made on the phone. Consent receipts document each caller's choice, whatever it was."
	DefaultRetention     = "until erased on request"
)

// ErasePolicy is how erases behave (rights.* of the configuration).
type ErasePolicy struct {
	// Keeps is what stays of an erased receipt: KeepNothing ("") or KeepStatistics.
	Keeps string
	// MaxRecordings, if > 0, is the most recordings an erase deletes without confirm.
	MaxRecordings int
}

// Vias: how a request arrived.
const (
	ViaRPC     = "rpc"
	ViaDurable = "durable"
	// ViaDirect is a call of the Service's methods (tests, tools).
	ViaDirect = "direct"
)

// RetentionText says in a manifest how long call data is kept, from storage.retention.
func RetentionText(retention time.Duration) string {
	if retention <= 0 {
		return DefaultRetention
	}
	return fmt.Sprintf("recordings, consent receipts and their index entries are deleted %s after the call, or earlier when erased on request", retention)
}

// DefaultRecipients is who receives the data when none are configured.
var DefaultRecipients = []string{"the contact center operating this gateway, and its storage provider as processor"}

// Options wire a Service.
type Options struct {
	Store         storage.Store
	Pseudonyms    *subject.Pseudonymizer
	DefaultRegion string
	Events        EventSink
	// Discard reaches every node before an erase cleans the store; nil discards nothing.
	Discard Discarder
	Node    string
	Logger  *slog.Logger
	Export  ExportPolicy
	Erase   ErasePolicy
	// Signer signs erasure certificates; nil writes none.
	Signer Signer
	// Keys destroys the encryption keys of erased data; nil: there are none to destroy,
	// or, with KeyStore set, PartyKeys of it.
	Keys KeyDestroyer
	// KeyStore holds the parties' keys: an export decrypts the subject's own channels
	// with them; nil exports sealed channels as they are stored.
	KeyStore KeyStore
	// HoldsChanged, if set, is told when a hold was placed or released (the retention
	// sweeper withdraws or restores the bucket's lifecycle rules).
	HoldsChanged func()
	// Workers bounds the object requests one erase or export runs at once; 0 = 8.
	Workers int
	// Now is the clock; nil = time.Now.
	Now func() time.Time
}

// Service does the requests against the object store.
type Service struct {
	o     Options
	log   *slog.Logger
	locks idLocks
	// queue lists the durable requests waiting in NATS, for status; set by Listen.
	queue queueLister
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Pseudonyms == nil || o.Events == nil {
		return nil, fmt.Errorf("rights: store, pseudonyms and events are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Keys == nil && o.KeyStore != nil {
		o.Keys = PartyKeys{Store: o.KeyStore}
	}
	if o.Export.Expires <= 0 {
		o.Export.Expires = DefaultExportExpires
	}
	if o.Export.Purpose == "" {
		o.Export.Purpose = DefaultPurpose
	}
	if len(o.Export.Recipients) == 0 {
		o.Export.Recipients = DefaultRecipients
	}
	if o.Export.Retention == "" {
		o.Export.Retention = DefaultRetention
	}
	return &Service{o: o, log: o.Logger}, nil
}

func (s *Service) now() time.Time {
	if s.o.Now != nil {
		return s.o.Now().UTC()
	}
	return time.Now().UTC()
}

// resolve turns the request's subject into its subject key; an unusable value (not a
// phone number) rejects the request.
func (s *Service) resolve(req Request) (string, error) {
	key, err := s.o.Pseudonyms.NormalizedKey(req.Subject, s.o.DefaultRegion)
	if err != nil {
		switch req.Subject.Type {
		case subject.TypeTel:
			return "", reject("subject.value is not a phone number: give it in E.164 form (+ and the country code), or set subjects.default_region for national numbers")
		default:
			return "", reject("subject.value is not usable")
		}
	}
	return key, nil
}

// Do runs req as verb, arrived via rpc or durable: the entry point of the NATS handlers.
func (s *Service) Do(ctx context.Context, verb Verb, req Request, via string) (any, error) {
	switch verb {
	case VerbErase:
		return s.erase(ctx, req, via)
	case VerbExport:
		return s.export(ctx, req, via)
	case VerbLookup:
		return s.lookup(ctx, req, via)
	case VerbHold:
		return s.hold(ctx, req, via)
	case VerbRelease:
		return s.release(ctx, req, via)
	case VerbHolds:
		return s.Holds(ctx, req)
	case VerbStats:
		return s.Stats(ctx, req)
	case VerbStatus:
		return s.Status(ctx, req)
	}
	return nil, reject("unknown verb")
}

// parallel runs fn for each of n items on up to s.o.Workers goroutines and returns the
// first error; after an error, items not started are skipped.
func (s *Service) parallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	errs := make(chan error, s.o.Workers)
	workers := min(s.o.Workers, n)
	for range workers {
		go func() {
			var first error
			for i := range next {
				if first != nil {
					continue
				}
				if err := fn(ctx, i); err != nil {
					first = err
					cancel(err)
				}
			}
			errs <- first
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first == nil && ctx.Err() != nil {
		first = context.Cause(ctx)
	}
	return first
}
