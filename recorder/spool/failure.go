package spool

import (
	"errors"
	"log/slog"
	"syscall"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
)

// FailedEvent is the payload of recording.failed: a consenting call whose recording is
// not, or not wholly, what the caller agreed to. Pseudonyms only.
type FailedEvent struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// RecordingStatus is failed (nothing recorded), partial (writing failed during the
	// call; what reached the disk is kept and stored) or discarded (what reached the
	// disk could not be made a valid recording and was deleted).
	RecordingStatus consent.RecordingStatus `json:"recording_status"`
	RecordingReason string                  `json:"recording_reason"`
	Subjects        []consent.SubjectRef    `json:"subjects"`
}

// reasonOf is the receipt's reason code for a disk error.
func reasonOf(err error) string {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return consent.ReasonNoSpace
	}
	return consent.ReasonWriteError
}

// report is the one place a recording's failure is told: the log line, the count and
// the audit event.
func (s *Spool) report(r consent.Receipt, status consent.RecordingStatus, reason string, err error, msg string, log *slog.Logger) {
	log.Error(msg, "recording_status", status, "reason", reason, "error", err)
	s.o.Observer.RecordingFailed(reason)
	s.o.Events.Emit(audit.KindRecordingFailed, FailedEvent{
		ID: r.ID, At: s.o.Now().UTC(), RecordingStatus: status, RecordingReason: reason, Subjects: r.Subjects,
	})
}
