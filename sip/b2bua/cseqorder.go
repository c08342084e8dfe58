package b2bua

import (
	"sync"
	"time"
)

// defaultReorderWait bounds how long a request waits for its predecessor: one lost on UDP
// is sent again after T1 (500 ms, RFC 3261 §17.1.2.2), and one refused before it reached
// the leg never comes.
const defaultReorderWait = time.Second

// cseqOrder hands a dialog's requests on in CSeq order. sipgo serves each request on a
// goroutine of its own, so two INFOs sent back to back (a caller keying "*9" of a
// withdraw sequence) could reach the call's owner in either order. RFC 3261 §12.2.1.1
// numbers the requests of a dialog in one direction contiguously, so a request whose
// predecessor has not been handed on yet waits for it, at most wait. The zero value is
// ready: it lets the first request through and waits defaultReorderWait.
type cseqOrder struct {
	wait time.Duration

	mu      sync.Mutex
	last    uint32        // CSeq of the last request handed on; 0 before the first
	changed chan struct{} // closed when last moves
}

// turn waits until the request numbered n is next, or until wait has passed; ok is false
// when it stopped waiting. Its caller hands the request on and then calls done.
func (o *cseqOrder) turn(n uint32) (ok bool) {
	wait := o.wait
	if wait <= 0 {
		wait = defaultReorderWait
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.last != 0 && n > o.last+1 {
		if o.changed == nil {
			o.changed = make(chan struct{})
		}
		changed := o.changed
		o.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			o.mu.Lock()
			return false
		}
		o.mu.Lock()
	}
	return true
}

// done records that the request numbered n was handed on (or needs no turn: a BYE, a
// re-INVITE), which lets its successor through.
func (o *cseqOrder) done(n uint32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if n <= o.last {
		return
	}
	o.last = n
	if o.changed != nil {
		close(o.changed)
		o.changed = nil
	}
}
