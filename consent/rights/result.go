package rights

import (
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/hold"
)

// Statuses of a reply.
const (
	StatusCompleted = "completed"
	// StatusPartial: an erase did all it could, but legal holds kept some of what it was
	// asked to delete (listed in held).
	StatusPartial = "partial"
	// StatusDryRun: an erase asked what it would delete; nothing was deleted.
	StatusDryRun   = "dry_run"
	StatusRejected = "rejected"
	// StatusFailed: the gateway could not do the work now (store or NATS away); the same
	// request may be sent again. A durable request is retried by itself.
	StatusFailed = "failed"
)

// EraseCounts are what an erase did, in its result and its certificate.
type EraseCounts struct {
	RecordingsDeleted   int `json:"recordings_deleted"`
	ReceiptsDeleted     int `json:"receipts_deleted"`
	IndexEntriesDeleted int `json:"index_entries_deleted"`
	// Beyond SPEC §6: index entries rewritten without their recording (scope
	// recordings), earlier export bundles of the subject, receipts kept as anonymous
	// tombstones (rights.erase_keeps: statistics), and what the nodes discarded before
	// it was stored (calls being recorded, jobs in a spool).
	IndexEntriesUpdated     int `json:"index_entries_updated"`
	ExportsDeleted          int `json:"exports_deleted"`
	ReceiptsAnonymized      int `json:"receipts_anonymized"`
	LiveRecordingsDiscarded int `json:"live_recordings_discarded"`
	SpooledJobsDiscarded    int `json:"spooled_jobs_discarded"`
	// VersionsRemoved counts the stored versions and delete markers removed (a versioned
	// bucket keeps several per key).
	VersionsRemoved int `json:"versions_removed"`
	// KeysDestroyed counts the parties' keys the erase destroyed (PartyKeys): whatever
	// they encrypted is unreadable in every copy, backups included.
	KeysDestroyed int `json:"keys_destroyed"`
}

// EraseResult is the reply to an erase (SPEC §6), and its event: subject.erased,
// recordings.erased or call.erased by scope, erase.previewed for a dry run.
type EraseResult struct {
	RequestID string `json:"request_id"`
	Status    string `json:"status"`
	Scope     Scope  `json:"scope"`
	EraseCounts
	// Nodes are the gateways that confirmed the discard, sorted: among them every node
	// the call registry named as holding a call of the subject.
	Nodes []string `json:"nodes,omitempty"`
	// Held lists what legal holds kept from the erase, and why (Status is then partial).
	Held []HeldItem `json:"held,omitempty"`
	// WouldDelete lists the keys a dry run would delete.
	WouldDelete []string `json:"would_delete,omitempty"`
	// Certificate is the signed proof of the erase, an object of the store, and a link to
	// it (a presigned GET for S3, file:// for the local store).
	Certificate    string `json:"certificate,omitempty"`
	CertificateURL string `json:"certificate_url,omitempty"`
	SubjectType    string `json:"subject_type,omitempty"`
	SubjectKey     string `json:"subject_key,omitempty"`
	// Call and Subjects name the call an erase of scope call erased, and its parties.
	Call        string               `json:"call,omitempty"`
	Subjects    []consent.SubjectRef `json:"subjects,omitempty"`
	RequestedBy string               `json:"requested_by,omitempty"`
	CompletedAt time.Time            `json:"completed_at"`
}

// HeldItem is what a hold kept from an erase: one call, or (Call "") all of a subject.
type HeldItem struct {
	Call   string `json:"call,omitempty"`
	Hold   string `json:"hold"`
	On     string `json:"on"`
	Reason string `json:"reason"`
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

// LookupResult answers what the store holds of a subject (Art. 15 first answer): counts
// and keys, no audio. It is also the subject.looked_up event.
type LookupResult struct {
	RequestID   string      `json:"request_id"`
	Status      string      `json:"status"`
	SubjectType string      `json:"subject_type"`
	SubjectKey  string      `json:"subject_key"`
	Calls       int         `json:"calls"`
	Receipts    int         `json:"receipts"`
	Recordings  int         `json:"recordings"`
	Exports     int         `json:"exports"`
	FirstCallAt time.Time   `json:"first_call_at,omitzero"`
	LastCallAt  time.Time   `json:"last_call_at,omitzero"`
	Keys        LookupKeys  `json:"keys"`
	Holds       []hold.Hold `json:"holds"`
	RequestedBy string      `json:"requested_by,omitempty"`
	CompletedAt time.Time   `json:"completed_at"`
}

// LookupKeys are the object keys of a subject's data.
type LookupKeys struct {
	Receipts   []string `json:"receipts"`
	Recordings []string `json:"recordings"`
	Metadata   []string `json:"metadata"`
	Index      []string `json:"index"`
	Exports    []string `json:"exports"`
}

// HoldResult is the reply to a hold, and the hold.placed event.
type HoldResult struct {
	RequestID   string    `json:"request_id"`
	Status      string    `json:"status"`
	Hold        hold.Hold `json:"hold"`
	RequestedBy string    `json:"requested_by,omitempty"`
	CompletedAt time.Time `json:"completed_at"`
}

// ReleaseResult is the reply to a release, and the hold.released event.
type ReleaseResult struct {
	RequestID   string      `json:"request_id"`
	Status      string      `json:"status"`
	Released    []hold.Hold `json:"released"`
	Reason      string      `json:"reason,omitempty"`
	RequestedBy string      `json:"requested_by,omitempty"`
	CompletedAt time.Time   `json:"completed_at"`
}

// HoldsResult lists the holds in force.
type HoldsResult struct {
	RequestID string      `json:"request_id"`
	Status    string      `json:"status"`
	Holds     []hold.Hold `json:"holds"`
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
