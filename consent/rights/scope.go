package rights

// Scope is what an erase deletes.
type Scope string

const (
	// ScopeSubject erases everything of a subject: every call's recording, receipt and
	// index entries, and the subject's export bundles (SPEC §6).
	ScopeSubject Scope = "subject"
	// ScopeRecordings erases a subject's recordings (audio and metadata) only; the
	// receipts stay, and the index no longer names the recordings.
	ScopeRecordings Scope = "recordings"
	// ScopeCall erases one call, whoever asks: its recording, receipt and index entries.
	ScopeCall Scope = "call"
)
