package archive

import (
	"os"
	"slices"

	"github.com/consentgw/consentgw/consent"
)

// DiscardSubject removes the spooled receipts and recordings that name subjectKey and are
// not stored yet, so an erase is not undone by a late upload. Recordings of calls still in
// progress belong to the call path (split.Splitter.DiscardSubject). It returns how many
// jobs it removed. An erase calls it before it looks the subject up in the store.
func (a *Archiver) DiscardSubject(subjectKey string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, j := range a.pending() {
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
		if j.kind == kindRecording {
			os.Remove(a.wavPath(j.id))
		}
		n++
	}
	return n
}
