// Package audit publishes the audit trail of SPEC §6: one event for everything the
// gateway does to personal data, on consentgw.events.<kind>, kept by the JetStream stream
// CONSENTGW_EVENTS. Events name subjects by pseudonym (subject key) only, never by value.
package audit

// Stream is the JetStream stream that keeps the audit trail.
const Stream = "CONSENTGW_EVENTS"

// SubjectPrefix starts every event's NATS subject; the stream takes SubjectPrefix + ">".
const SubjectPrefix = "consentgw.events."

// The event kinds of SPEC §6.
const (
	KindConsentCaptured  = "consent.captured"
	KindRecordingStored  = "recording.stored"
	KindRecordingDeleted = "recording.deleted"
	KindSubjectErased    = "subject.erased"
	KindSubjectExported  = "subject.exported"
	KindRequestRejected  = "request.rejected"
	// KindConsentWithdrawn: the caller withdrew consent during the call; the recording
	// was stopped and discarded. The payload is the updated receipt.
	KindConsentWithdrawn = "consent.withdrawn"
	// KindRecordingPaused and KindRecordingResumed bracket a pause (a payment): no
	// audio was recorded in between.
	KindRecordingPaused  = "recording.paused"
	KindRecordingResumed = "recording.resumed"
	// KindRecordingFailed: a consenting call's recording could not start, failed during
	// the call (what was written is kept: partial), or could not be made valid
	// (discarded). The receipt says the same in recording_status.
	KindRecordingFailed = "recording.failed"
)

// Subject is the NATS subject of events of kind.
func Subject(kind string) string { return SubjectPrefix + kind }
