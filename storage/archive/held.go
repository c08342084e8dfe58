package archive

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"sync"

	"github.com/consentgw/consentgw/consent"
)

// ErrHeld says a job was not written to the spool (its disk is full or failing) and is
// held in memory instead: it is written, and then stored, once the disk takes it. Only a
// stop before then loses it (logged); a recording's audio stays on disk regardless.
var ErrHeld = errors.New("archive: held in memory until the spool's disk takes it")

// heldJob is a receipt or recording job the spool's disk did not take.
type heldJob struct {
	id, kind string
	body     []byte
}

// heldJobs waits for the spool's disk to take jobs again, oldest first.
type heldJobs struct {
	mu   sync.Mutex
	jobs []heldJob
}

func (h *heldJobs) add(j heldJob) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(func(o heldJob) bool { return o.id == j.id && o.kind == j.kind })
	h.jobs = append(h.jobs, j)
}

// drop forgets the held jobs of call id of the given kinds.
func (h *heldJobs) drop(id string, kinds ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(func(j heldJob) bool { return j.id == id && slices.Contains(kinds, j.kind) })
}

func (h *heldJobs) dropLocked(match func(heldJob) bool) int {
	n := len(h.jobs)
	h.jobs = slices.DeleteFunc(h.jobs, match)
	return n - len(h.jobs)
}

// dropCall forgets every held job of call id (an erase of scope call), and returns how
// many.
func (h *heldJobs) dropCall(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropLocked(func(j heldJob) bool { return j.id == id })
}

// dropSubjectRecordings forgets the held recording jobs that name subjectKey (an erase of
// scope recordings: receipts stay), and returns how many.
func (h *heldJobs) dropSubjectRecordings(subjectKey string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropLocked(func(j heldJob) bool { return j.kind == kindRecording && names(j, subjectKey) })
}

// dropSubject forgets the held jobs that name subjectKey (an erase), and returns how many.
func (h *heldJobs) dropSubject(subjectKey string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropLocked(func(j heldJob) bool { return names(j, subjectKey) })
}

// names reports whether held job j names subjectKey among its subjects.
func names(j heldJob, subjectKey string) bool {
	var subjects []consent.SubjectRef
	if j.kind == kindReceipt {
		var r consent.Receipt
		if json.Unmarshal(j.body, &r) != nil {
			return false
		}
		subjects = r.Subjects
	} else {
		var rec Recording
		if json.Unmarshal(j.body, &rec) != nil {
			return false
		}
		subjects = rec.Receipt.Subjects
	}
	return slices.ContainsFunc(subjects, func(s consent.SubjectRef) bool { return s.Key == subjectKey })
}

// Held is how many jobs wait in memory for the spool's disk.
func (a *Archiver) Held() int {
	a.held.mu.Lock()
	defer a.held.mu.Unlock()
	return len(a.held.jobs)
}

// retryHeld writes the held jobs the disk now takes, in order, and queues them. It holds
// held.mu throughout, so a discard or a newer job of the same call waits for it.
func (a *Archiver) retryHeld() {
	a.held.mu.Lock()
	defer a.held.mu.Unlock()
	for len(a.held.jobs) > 0 {
		j := a.held.jobs[0]
		if err := a.write(j.id, j.kind, j.body); err != nil {
			return
		}
		a.held.jobs = a.held.jobs[1:]
		if j.kind == kindRecording {
			os.Remove(a.jobPath(j.id, kindActive)) // as Recording does once the job is on disk
		}
		a.log.Info("held job written to the spool once its disk took it", "kind", j.kind, "consent_id", j.id)
		a.enqueue(job{id: j.id, kind: j.kind, path: a.jobPath(j.id, j.kind)})
	}
}

// lose logs every job still held when the archiver stops, and returns how many.
func (h *heldJobs) lose(log *slog.Logger) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, j := range h.jobs {
		log.Error("job lost: the spool's disk never took it before the gateway stopped", "kind", j.kind, "consent_id", j.id)
	}
	n := len(h.jobs)
	h.jobs = nil
	return n
}
