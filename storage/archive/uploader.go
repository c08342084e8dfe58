package archive

import (
	"hash/fnv"
	"sync"
	"time"
)

// uploaders is how many jobs are stored at once. Storing is bound by the store's latency
// (a commit to disk, an HTTP round trip), not by CPU: calls that end together share the
// local store's commits and the S3 client's connections instead of queueing behind one
// another.
const uploaders = 8

// uploader stores the jobs of the calls hashed to it, in the order they were spooled, so
// a call's receipt is stored before its recording and a failing job is retried before
// the next one of its uploader.
type uploader struct {
	// mu is held while one of its jobs runs and by the discard methods for its calls,
	// so a discard never races an upload of the same call.
	mu sync.Mutex

	qmu   sync.Mutex
	queue []job
	wake  chan struct{}
}

func newUploader() *uploader { return &uploader{wake: make(chan struct{}, 1)} }

// uploaderFor is the uploader of call id.
func (a *Archiver) uploaderFor(id string) *uploader {
	h := fnv.New32a()
	h.Write([]byte(id))
	return a.uploaders[h.Sum32()%uint32(len(a.uploaders))]
}

// enqueue hands a spooled job to its call's uploader. Before the uploaders exist (while
// New recovers interrupted recordings) it does nothing: New queues the whole outbox.
func (a *Archiver) enqueue(j job) {
	if len(a.uploaders) == 0 {
		return
	}
	u := a.uploaderFor(j.id)
	u.qmu.Lock()
	u.queue = append(u.queue, j)
	u.qmu.Unlock()
	u.kick()
}

func (u *uploader) kick() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

func (u *uploader) head() (job, bool) {
	u.qmu.Lock()
	defer u.qmu.Unlock()
	if len(u.queue) == 0 {
		return job{}, false
	}
	return u.queue[0], true
}

func (u *uploader) pop() {
	u.qmu.Lock()
	defer u.qmu.Unlock()
	u.queue[0] = job{}
	u.queue = u.queue[1:]
}

// upload is an uploader's goroutine: it stores jobs until its queue is empty once the
// archiver is closing, or until a job fails then.
func (a *Archiver) upload(u *uploader) {
	failures := 0
	for {
		j, ok := u.head()
		if !ok {
			select {
			case <-a.closing:
				return
			case <-u.wake:
				continue
			}
		}
		err := a.run(u, j)
		if a.o.Observe != nil {
			a.o.Observe(j.kind, err)
		}
		if err == nil {
			if failures > 0 {
				a.log.Info("store reachable again", "after_failures", failures)
			}
			failures = 0
			u.pop()
			continue
		}
		failures++
		// The first failure and then every tenth: an outage must not flood the log.
		if failures == 1 || failures%10 == 0 {
			a.log.Error("storing call objects failed; kept in the spool, retrying", "kind", j.kind, "id", j.id, "attempt", failures, "error", err)
		}
		select {
		case <-a.closing:
			return
		case <-time.After(backoff(failures)):
		}
	}
}
