package split

import (
	"sync"
	"sync/atomic"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/ivr/dtmf"
	"github.com/consentgw/consentgw/recorder/spool"
	"github.com/consentgw/consentgw/sip/relay"
)

// liveCall is a bridged call as the rest of the gateway sees it: its subjects and its
// recorder (for an erase arriving mid-call), and the channels that reach its goroutine
// (call control, caller digits).
//
// Lock order: liveCall.mu is taken by the call's goroutine and by DiscardSubject, and held
// while the recording is started, discarded or finished: those take the archive's locks
// (uploader.mu, held.mu, an uploader's qmu) inside it, never the other way round. The
// packet path never takes it (the bridge reads the recorder through an atomic pointer,
// the digit tap reads paused).
type liveCall struct {
	subjects []string
	cmds     chan command
	digits   chan dtmf.Digit // caller key presses seen while bridged
	ended    chan struct{}   // closed when the call's goroutine stops taking commands
	// paused is set while a pause lasts: digits are then neither looked at nor logged.
	paused atomic.Bool

	mu        sync.Mutex
	bridge    *relay.Bridge
	rec       *spool.Recording // nil before it starts and once discarded or finished
	discarded bool
	// erased is set when an erase of one of the call's subjects reached it: nothing of
	// the call may be stored any more, the receipt of a later withdrawal included.
	erased bool
}

func newLiveCall(r consent.Receipt, b *relay.Bridge) *liveCall {
	return &liveCall{
		subjects: consent.SubjectKeys(r.Subjects),
		bridge:   b,
		cmds:     make(chan command),
		digits:   make(chan dtmf.Digit, 8),
		ended:    make(chan struct{}),
	}
}

// recording reports whether the call is being recorded right now.
func (c *liveCall) recording() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rec != nil && c.rec.Active()
}

// setPaused pauses or resumes the recorder, if there still is one; false if not (a
// resume then still clears the pause).
func (c *liveCall) setPaused(paused bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rec == nil || !c.rec.Pause(paused) {
		c.paused.Store(false)
		return false
	}
	c.paused.Store(paused)
	return true
}

// discard stops the call's recording and deletes everything of it in the spool; the call
// goes on. why is logged. A recording that never started is ended too, so that nothing
// of it (not even a receipt saying it failed) is written afterwards.
func (c *liveCall) discard(why string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rec == nil {
		return false, nil
	}
	c.bridge.SetRecorder(nil)
	ok, err := c.rec.Discard(why)
	c.rec = nil
	c.discarded = c.discarded || ok
	return ok, err
}

// record starts the call's recording with start, unless an erase already reached the
// call. Holding mu meanwhile means an erase sees either no recording and marks the call,
// or the recording and discards it: never a recording it missed.
func (c *liveCall) record(start func() *spool.Recording) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.erased {
		return
	}
	c.rec = start()
	if c.rec.Active() {
		c.bridge.SetRecorder(c.rec.Tap())
	}
}

// erase is discard for an erase of one of the call's subjects; it also marks the call so
// that nothing of it is queued for the store afterwards.
func (c *liveCall) erase() (bool, error) {
	c.mu.Lock()
	c.erased = true
	c.mu.Unlock()
	return c.discard("a subject of the call was erased")
}

// wasErased reports whether an erase reached the call.
func (c *liveCall) wasErased() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.erased
}

// finish ends the recording at the end of the call: store gets it, unless it was
// discarded. store runs under mu, so an erase arriving meanwhile waits until the
// recording is queued in the spool, where the erase's spool discard then finds it.
func (c *liveCall) finish(store func(*spool.Recording)) (discarded bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rec := c.rec
	c.rec = nil
	if rec != nil {
		store(rec)
	}
	return c.discarded
}
