package rights

import "time"

// Statuses of a reply.
const (
	StatusCompleted = "completed"
	StatusRejected  = "rejected"
	// StatusFailed: the gateway could not do the work now (store or NATS away); the same
	// request may be sent again. A durable request is retried by itself.
	StatusFailed = "failed"
)

// EraseResult is the reply to an erase (SPEC §6), and the subject.erased event.
type EraseResult struct {
	RequestID           string `json:"request_id"`
	Status              string `json:"status"`
	RecordingsDeleted   int    `json:"recordings_deleted"`
	ReceiptsDeleted     int    `json:"receipts_deleted"`
	IndexEntriesDeleted int    `json:"index_entries_deleted"`
	// Beyond SPEC §6: earlier export bundles of the subject, and what the nodes
	// discarded before it was stored (calls being recorded, jobs in a spool).
	ExportsDeleted          int `json:"exports_deleted"`
	LiveRecordingsDiscarded int `json:"live_recordings_discarded"`
	SpooledJobsDiscarded    int `json:"spooled_jobs_discarded"`
	// Nodes are the gateways that confirmed the discard, sorted.
	Nodes       []string  `json:"nodes,omitempty"`
	SubjectType string    `json:"subject_type"`
	SubjectKey  string    `json:"subject_key"`
	RequestedBy string    `json:"requested_by,omitempty"`
	CompletedAt time.Time `json:"completed_at"`
}

// ExportResult is the reply to an export (SPEC §6), and the subject.exported event.
type ExportResult struct {
	RequestID string `json:"request_id"`
	Status    string `json:"status"`
	Object    string `json:"object"`
	// URL is a presigned GET (S3) or a file:// URL (local store).
	URL         string    `json:"url"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	Recordings  int       `json:"recordings"`
	Receipts    int       `json:"receipts"`
	ExpiresAt   time.Time `json:"expires_at"`
	SubjectType string    `json:"subject_type"`
	SubjectKey  string    `json:"subject_key"`
	RequestedBy string    `json:"requested_by,omitempty"`
	CompletedAt time.Time `json:"completed_at"`
}

// Rejection is the reply to a request that was rejected or failed, and the
// request.rejected event.
type Rejection struct {
	RequestID string `json:"request_id,omitempty"`
	Status    string `json:"status"`
	Error     string `json:"error"`
	// RequestedBy is who asked, as the request said (or its signature proved).
	RequestedBy string `json:"requested_by,omitempty"`
	// Verb and Via say what was asked and how (rpc or durable); in events only.
	Verb string `json:"verb,omitempty"`
	Via  string `json:"via,omitempty"`
}
