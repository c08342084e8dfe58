package audit

// Event kinds of the data-protection officer's toolkit (README "NATS").
const (
	// KindRecordingsErased and KindCallErased are the results of erases of scope
	// recordings and call (scope subject is KindSubjectErased).
	KindRecordingsErased = "recordings.erased"
	KindCallErased       = "call.erased"
	// KindErasePreviewed is a dry run's answer: what an erase would delete.
	KindErasePreviewed = "erase.previewed"
	// KindSubjectLookedUp is a lookup's answer: what the store holds of a subject.
	KindSubjectLookedUp = "subject.looked_up"
	// KindHoldPlaced and KindHoldReleased bracket a legal hold.
	KindHoldPlaced   = "hold.placed"
	KindHoldReleased = "hold.released"
	// KindRetentionExpired is a retention sweep that deleted calls.
	KindRetentionExpired = "retention.expired"
)
