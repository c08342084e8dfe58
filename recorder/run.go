package recorder

import "time"

// advance moves the recording on to now: the packets that arrived since the last tick
// go into the aligner, and every slot that is due is written (silence where nothing
// came). It runs on a scheduler worker, which lends spare, an empty batch, to swap in
// for the filled one, and pcm to decode into; it gets back the batch to lend next.
func (r *Recorder) advance(now time.Time, spare *batch, pcm []int16) *batch {
	r.work.Lock()
	defer r.work.Unlock()
	if r.finished {
		return spare
	}
	b := r.inbox.swap(spare)
	r.drain(b, pcm)
	if r.err == nil {
		r.fail(r.al.Advance(now))
	}
	return b
}

// drain pushes the packets of b into the aligner; r.work is held. Every packet in b
// arrived before the clock was read for this tick, so none finds its slot emitted.
func (r *Recorder) drain(b *batch, pcm []int16) {
	if r.err != nil {
		return
	}
	for _, p := range b.pkts {
		n := r.codec.Decode(pcm, b.data[p.off:p.off+p.n])
		if r.fail(r.al.Push(int(p.ch), p.ssrc, p.ts, pcm[:n], r.start.Add(p.at))); r.err != nil {
			return
		}
	}
}

// fail records the first write error; the recording stops growing after it. OnFail, if
// set, is told; otherwise it is logged.
func (r *Recorder) fail(err error) {
	if err != nil && r.err == nil {
		r.err = err
		if r.onFail != nil {
			r.onFail(err) // the owner reports it
			return
		}
		r.log.Error("recording write failed; further audio is dropped", "error", err)
	}
}

// end flushes (or, discarding, aborts) the file; r.work is held and r.finished set.
// The inbox is closed: a Write racing with Stop finds no room and counts a drop.
func (r *Recorder) end(now time.Time, discard bool) error {
	b := r.inbox.swap(&batch{})
	if discard {
		return r.w.Abort()
	}
	var pcm [maxPayload]int16
	r.drain(b, pcm[:])
	if r.err == nil {
		r.fail(r.al.Flush(now))
	}
	if err := r.w.Close(); err != nil {
		return err
	}
	return r.err
}
