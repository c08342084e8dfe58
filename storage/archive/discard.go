package archive

import (
	"os"
	"slices"

	"github.com/consentgw/consentgw/consent"
)

// DiscardSubject removes the spooled receipts and recordings that name subjectKey and are
// not stored yet, so an erase is not undone by a late upload. Recordings of calls still in
// progress belong to the call path (split.Splitter.DiscardSubject); the notes of finished
// calls whose recording waits for its repair (a full disk refused it, recorder/spool) are
// removed here with their audio, so the repair's retry finds them discarded
// (RecordingRepaired, RecordingLost). It returns how many jobs it removed. An erase calls
// it before it looks the subject up in the store.
func (a *Archiver) DiscardSubject(subjectKey string) int {
	for _, u := range a.uploaders {
		u.mu.Lock()
		defer u.mu.Unlock()
	}
	n := a.held.dropSubject(subjectKey)
	for _, j := range a.list(kindReceipt, kindRecording, kindActive) {
		var subjects []consent.SubjectRef
		if j.kind == kindReceipt {
			var r consent.Receipt
			if a.read(j, &r) != nil {
				continue
			}
			subjects = r.Subjects
		} else {
			var rec Recording
			if a.read(j, &rec) != nil {
				continue
			}
			subjects = rec.Receipt.Subjects
		}
		if !slices.ContainsFunc(subjects, func(s consent.SubjectRef) bool { return s.Key == subjectKey }) {
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

// Withdrawn replaces a call's receipt with r, whose consent was withdrawn during the
// call, and removes whatever of its recording is in the spool. It holds the call's
// uploader's mu so that the earlier (granted) receipt is not being stored at the same
// moment: that job's clean-up would otherwise remove the new receipt before it is stored.
func (a *Archiver) Withdrawn(r consent.Receipt) error {
	u := a.uploaderFor(r.ID)
	u.mu.Lock()
	defer u.mu.Unlock()
	a.held.drop(r.ID, kindRecording)
	for _, kind := range []string{kindActive, kindRecording} {
		os.Remove(a.jobPath(r.ID, kind))
	}
	a.removeAudio(r.ID)
	return a.put(r.ID, kindReceipt, r)
}
