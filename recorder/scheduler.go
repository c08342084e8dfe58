package recorder

import (
	"runtime"
	"sync"
	"time"
)

// Scheduler advances many recordings on a few goroutines: each worker wakes once per
// tick (20 ms, one slot) and advances every recording it holds. A packet never wakes
// anyone, so recording 500 calls costs 50 wake-ups a second per worker instead of one per
// packet and one per slot per call.
type Scheduler struct {
	tick    time.Duration
	workers []*schedWorker
	mu      sync.Mutex
	next    int
	wg      sync.WaitGroup
	stop    chan struct{}
	once    sync.Once
}

type schedWorker struct {
	mu   sync.Mutex
	recs map[*Recorder]struct{}
	list []*Recorder // reused for each tick's pass, outside mu
	// spare is swapped into each recording's inbox in turn; pcm is decoded into.
	// Only the worker's goroutine uses them.
	spare *batch
	pcm   [maxPayload]int16
}

// NewScheduler starts workers goroutines (0 = one per core) ticking every tick (0 = 20 ms).
func NewScheduler(workers int, tick time.Duration) *Scheduler {
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	if tick <= 0 {
		tick = defaultTick
	}
	s := &Scheduler{tick: tick, stop: make(chan struct{})}
	for range workers {
		w := &schedWorker{recs: make(map[*Recorder]struct{}), spare: newBatch()}
		s.workers = append(s.workers, w)
		s.wg.Add(1)
		go s.run(w)
	}
	return s
}

// Close stops the workers. Recordings still running stop advancing; stop them first.
func (s *Scheduler) Close() {
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
}

// add places r on the next worker, round robin.
func (s *Scheduler) add(r *Recorder) *schedWorker {
	s.mu.Lock()
	w := s.workers[s.next%len(s.workers)]
	s.next++
	s.mu.Unlock()
	w.mu.Lock()
	w.recs[r] = struct{}{}
	w.mu.Unlock()
	return w
}

func (w *schedWorker) remove(r *Recorder) {
	w.mu.Lock()
	delete(w.recs, r)
	w.mu.Unlock()
}

func (s *Scheduler) run(w *schedWorker) {
	defer s.wg.Done()
	ticker := time.NewTicker(s.tick)
	defer ticker.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ticker.C:
		}
		w.mu.Lock()
		w.list = w.list[:0]
		for r := range w.recs {
			w.list = append(w.list, r)
		}
		w.mu.Unlock()
		for i, r := range w.list {
			w.spare = r.advance(r.now(), w.spare, w.pcm[:])
			w.list[i] = nil
		}
	}
}
