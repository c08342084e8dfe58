package archive

import (
	"os"
	"slices"

	"github.com/consentgw/consentgw/consent"
)

// DiscardSubjectRecordings removes the spooled recordings that name subjectKey and are
// not stored yet, and keeps their receipts (an erase of scope recordings). It returns
// how many it removed.
func (a *Archiver) DiscardSubjectRecordings(subjectKey string) int {
	held := a.held.dropSubjectRecordings(subjectKey)
	return held + a.discardJobs(func(j job) bool {
		var rec Recording
		return j.kind == kindRecording && a.read(j, &rec) == nil &&
			slices.ContainsFunc(rec.Receipt.Subjects, func(s consent.SubjectRef) bool { return s.Key == subjectKey })
	})
}

// DiscardCall removes what of one call is spooled and not stored yet, its receipt
// included (an erase of scope call), and the note of its recording if that waits for its
// repair (see DiscardSubject). It returns how many jobs it removed.
func (a *Archiver) DiscardCall(id string) int {
	held := a.held.dropCall(id)
	return held + a.discardJobs(func(j job) bool { return j.id == id })
}

// discardJobs removes the pending jobs and recording notes match picks, under every
// uploader's mu (see DiscardSubject), with a recording's audio.
func (a *Archiver) discardJobs(match func(job) bool) int {
	for _, u := range a.uploaders {
		u.mu.Lock()
		defer u.mu.Unlock()
	}
	n := 0
	for _, j := range a.list(kindReceipt, kindRecording, kindActive) {
		if !match(j) {
			continue
		}
		os.Remove(j.path)
		if j.kind != kindReceipt {
			a.removeAudio(j.id)
		}
		n++
	}
	return n
}
