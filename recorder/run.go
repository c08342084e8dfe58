package recorder

import "time"

// advance moves the recording on to now: the packets that arrived since the last tick
// go into the aligner, and every slot that is due is written (silence where nothing
// came). It runs on a scheduler worker, or on the goroutine that stops the recorder.
func (r *Recorder) advance(now time.Time) {
	r.work.Lock()
	defer r.work.Unlock()
	if r.finished {
		return
	}
	r.drain()
	if r.err == nil {
		r.fail(r.al.Advance(now))
	}
}

// drain pushes the queued packets into the aligner; r.work is held. Every packet already
// queued arrived before the clock was read for this tick, so none finds its slot emitted.
func (r *Recorder) drain() {
	b := r.inbox.take()
	if r.err != nil {
		return
	}
	for _, p := range b.pkts {
		n := r.law.Decode(r.pcm[:], b.data[p.off:p.off+p.n])
		if r.fail(r.al.Push(int(p.ch), p.ssrc, p.ts, r.pcm[:n], p.at)); r.err != nil {
			return
		}
	}
}

// fail records the first write error; the recording stops growing after it.
func (r *Recorder) fail(err error) {
	if err != nil && r.err == nil {
		r.err = err
		r.log.Error("recording write failed; further audio is dropped", "err", err)
	}
}

// end flushes (or, discarding, aborts) the file; r.work is held and r.finished set.
func (r *Recorder) end(now time.Time, discard bool) error {
	if discard {
		return r.w.Abort()
	}
	r.drain()
	if r.err == nil {
		r.fail(r.al.Flush(now))
	}
	if err := r.w.Close(); err != nil {
		return err
	}
	return r.err
}
