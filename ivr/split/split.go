// Package split is the IVR two-way split, the life of one call: answer the caller, run the
// consent IVR, write the receipt, place the agent leg to the route's recording or
// non-recording target, relay media between the legs (recording them when consent was
// granted), and hand the recording to the archive when the call ends.
package split

import (
	"log/slog"
	"sync"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/ivr"
	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/storage/archive"
)

// Observer is told what calls do, for metrics. Every method must be cheap and safe for
// concurrent use.
type Observer interface {
	Decided(d consent.Decision, m consent.Method)
	DialFailed(status int)
	// CallerCancelled counts a caller who hung up while the agent leg rang.
	CallerCancelled()
	RecordingStarted()
	RecordingFinished(frames int64, dropped int64)
	// CallControl counts what happened to a recording mid-call: withdrawn, paused,
	// resumed (by command) or auto_resumed (pause_max).
	CallControl(action string)
}

// EventSink receives audit events (consentgw.events.<kind>, SPEC §6). Emit must not block:
// the audit trail is published asynchronously.
type EventSink interface {
	Emit(kind string, payload any)
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
	Archive  *archive.Archiver
	// Recorders advances every call's recording; nil gives each its own goroutine.
	Recorders *recorder.Scheduler
	// Node names this gateway in receipts.
	Node     string
	IDs      *consent.IDSource
	Logger   *slog.Logger
	Observer Observer
	// Events receives consent.captured; nil drops events.
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

// Splitter runs calls; it is the b2bua.CallHandler of the gateway.
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
func (nopObserver) DialFailed(int)                           {}
func (nopObserver) CallerCancelled()                         {}
func (nopObserver) RecordingStarted()                        {}
func (nopObserver) RecordingFinished(int64, int64)           {}
func (nopObserver) CallControl(string)                       {}

type nopHoldings struct{}

func (nopHoldings) Hold(string, []string) {}
func (nopHoldings) Release(string)        {}

type nopEvents struct{}

func (nopEvents) Emit(string, any) {}
