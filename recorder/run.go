package recorder

import "time"

// run owns the aligner and the WAV writer until a stop request.
func (r *Recorder) run() {
	defer close(r.done)
	ticker := time.NewTicker(r.tick)
	defer ticker.Stop()
	for {
		select {
		case p := <-r.pool.queue:
			r.handle(p)
		case <-ticker.C:
			// Read the clock before draining: every packet already queued arrived
			// before now, so none of them finds its slot emitted.
			now := r.now()
			r.drain()
			if r.err == nil {
				r.fail(r.al.Advance(now))
			}
		case req := <-r.stopc:
			r.drain()
			req.reply <- r.finish(req)
			return
		}
	}
}

func (r *Recorder) drain() {
	for {
		select {
		case p := <-r.pool.queue:
			r.handle(p)
		default:
			return
		}
	}
}

func (r *Recorder) handle(p *packet) {
	if r.err == nil {
		n := r.law.Decode(r.pcm[:], p.data[:p.n])
		r.fail(r.al.Push(int(p.ch), p.ssrc, p.ts, r.pcm[:n], p.at))
	}
	r.pool.put(p)
}

// fail records the first write error; the recording stops growing after it.
func (r *Recorder) fail(err error) {
	if err != nil && r.err == nil {
		r.err = err
		r.log.Error("recording write failed; further audio is dropped", "err", err)
	}
}

func (r *Recorder) finish(req stopRequest) error {
	if req.discard {
		return r.w.Abort()
	}
	if r.err == nil {
		r.fail(r.al.Flush(req.now))
	}
	if err := r.w.Close(); err != nil {
		return err
	}
	return r.err
}
