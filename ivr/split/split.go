// Package split is the IVR two-way split, the life of one call: answer the caller, run the
// consent IVR, write the receipt, place the agent leg to the route's recording or
// non-recording target, relay media between the legs (recording them when consent was
// granted), and hand the recording to the spool when the call ends.
//
// Each call is one call value (call.go), owned by the goroutine that runs ServeCall; its
// phases are its methods, one file per phase: route and answer (call.go), ask.go,
// decide.go, dial.go, bridge.go (with its taps and call control: withdraw.go, pause.go),
// and ServeCall's end (the one place a call's end is logged and counted). Others reach a
// bridged call only through its liveCall (live.go).
package split

import (
	"log/slog"
	"sync"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/ivr"
	"github.com/consentgw/consentgw/recorder/spool"
)

// Observer is told what calls do, for metrics. Every method must be cheap and safe for
// concurrent use.
type Observer interface {
	Decided(d consent.Decision, m consent.Method)
	// CallEnded counts every call once, by why it ended.
	CallEnded(reason string)
	DialFailed(status int)
	// CallerCancelled counts a caller who hung up while the agent leg rang.
	CallerCancelled()
	// CallControl counts what happened to a recording mid-call: withdrawn, paused,
	// resumed (by command) or auto_resumed (pause_max).
	CallControl(action string)
}

// EventSink receives audit events (consentgw.events.<kind>, SPEC §6). Emit must not block:
// the audit trail is published asynchronously.
type EventSink interface {
	Emit(kind string, payload any)
}

// Receipts spools a call's receipts for the store; storage/archive.Archiver is one.
type Receipts interface {
	// Receipt spools r, the receipt of a decision or its later account of the recording.
	Receipt(r consent.Receipt) error
	// Withdrawn replaces the receipt of a call whose consent was withdrawn during the
	// call, and removes whatever of its recording is spooled.
	Withdrawn(r consent.Receipt) error
}

// Options wire a Splitter.
type Options struct {
	Routes []Route
	// IVR is the consent section; its Prompt is only used when Languages is empty.
	IVR ivr.Options
	// Languages are the prompts by language, the first the default.
	Languages []Language
	// WithdrawDigits, pressed during a recorded call, withdraw consent; "" = off.
	WithdrawDigits string
	// PauseMax ends a pause on its own (a payment IVR that never said resume).
	PauseMax time.Duration
	Subjects Subjects
	// Receipts spools receipts; Recordings starts the recordings of consenting calls.
	Receipts   Receipts
	Recordings *spool.Spool
	// Node names this gateway in receipts.
	Node     string
	IDs      *consent.IDSource
	Logger   *slog.Logger
	Observer Observer
	// Events receives consent.captured and the call-control events; nil drops events.
	Events EventSink
	// HangupTimeout bounds each BYE at the end of a call.
	HangupTimeout time.Duration
	// Holdings is told which calls this node bridges (the cluster's live-call registry);
	// nil tells no one.
	Holdings Holdings
}

// Holdings notes the calls this node holds, by receipt id and subject keys, so an erase
// knows which nodes must confirm it. Neither method may wait on the network.
type Holdings interface {
	Hold(id string, subjectKeys []string)
	Release(id string)
}

// Splitter runs calls; ServeCall is the gateway's call handler.
type Splitter struct {
	opts Options
	live sync.Map // receipt id → *liveCall, while the call is bridged
}

// New returns a Splitter.
func New(opts Options) *Splitter {
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.Events == nil {
		opts.Events = nopEvents{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Holdings == nil {
		opts.Holdings = nopHoldings{}
	}
	if opts.HangupTimeout == 0 {
		opts.HangupTimeout = 5 * time.Second
	}
	if opts.PauseMax <= 0 {
		opts.PauseMax = 5 * time.Minute
	}
	if len(opts.Languages) == 0 && opts.IVR.Prompt != nil {
		opts.Languages = []Language{{Tag: opts.IVR.Prompt.Language, Consent: opts.IVR.Prompt}}
	}
	return &Splitter{opts: opts}
}

type nopObserver struct{}

func (nopObserver) Decided(consent.Decision, consent.Method) {}
func (nopObserver) CallEnded(string)                         {}
func (nopObserver) DialFailed(int)                           {}
func (nopObserver) CallerCancelled()                         {}
func (nopObserver) CallControl(string)                       {}

type nopHoldings struct{}

func (nopHoldings) Hold(string, []string) {}
func (nopHoldings) Release(string)        {}

type nopEvents struct{}

func (nopEvents) Emit(string, any) {}
