package consent

// RecordingStatus says what became of a call's recording: the receipt's
// "recording_status". It is set on every receipt whose decision records (granted,
// notified) and on a withdrawn one; a call that records nothing has none, so a declined
// receipt cannot claim anything about audio (silence is never consent).
type RecordingStatus string

// The recording statuses, in the order a call can pass through them.
const (
	// RecordingPending: the receipt was written at the decision; the recording starts
	// when the agent answers. A receipt that stays pending belongs to a call whose
	// gateway stopped before then: nothing was recorded.
	RecordingPending RecordingStatus = "pending"
	// RecordingStored: the whole call's audio is in the store.
	RecordingStored RecordingStatus = "stored"
	// RecordingPartial: writing failed during the call (recording_reason says why);
	// the audio that reached the spool is stored, the rest of the call is not.
	RecordingPartial RecordingStatus = "partial"
	// RecordingRepaired: the gateway stopped during the call (a crash, SIGKILL); the
	// next start cut the WAV to the whole frames on disk and stored it.
	RecordingRepaired RecordingStatus = "repaired"
	// RecordingFailed: nothing of the call could be recorded (recording_reason).
	RecordingFailed RecordingStatus = "failed"
	// RecordingDiscarded: audio was written but could not be made a valid recording,
	// and was deleted (recording_reason).
	RecordingDiscarded RecordingStatus = "discarded"
	// RecordingWithdrawn: the caller withdrew consent during the call; the audio was
	// deleted. The decision is withdrawn too.
	RecordingWithdrawn RecordingStatus = "withdrawn"
	// RecordingNone: the call ended before the agent answered (recording_reason
	// not_connected), so there was nothing to record.
	RecordingNone RecordingStatus = "none"
)

// HasAudio reports whether a recording with this status is (or will be) in the store.
func (s RecordingStatus) HasAudio() bool {
	return s == RecordingStored || s == RecordingPartial || s == RecordingRepaired
}

// Valid reports whether s is one of the statuses.
func (s RecordingStatus) Valid() bool {
	switch s {
	case RecordingPending, RecordingStored, RecordingPartial, RecordingRepaired,
		RecordingFailed, RecordingDiscarded, RecordingWithdrawn, RecordingNone:
		return true
	}
	return false
}

// The reasons a receipt gives for a recording that is not whole ("recording_reason").
// They are codes, for dashboards and the DPO; the log line of the event says more.
const (
	// ReasonSpoolFull: the spool had less than a call's worth of room when the
	// recording was to start (storage.spool_reserve_mb).
	ReasonSpoolFull = "spool_full"
	// ReasonNoSpace: the spool's filesystem ran out of space (ENOSPC, EDQUOT) during
	// the call.
	ReasonNoSpace = "no_space"
	// ReasonWriteError: the spool's disk failed otherwise.
	ReasonWriteError = "write_error"
	// ReasonInterrupted: the gateway stopped during the call.
	ReasonInterrupted = "interrupted"
	// ReasonUnrepairable: what reached the disk is not a WAV that can be repaired.
	ReasonUnrepairable = "unrepairable"
	// ReasonNotConnected: the agent never answered; nothing was recorded.
	ReasonNotConnected = "not_connected"
	// ReasonKeysUnavailable: the parties' encryption keys could not be fetched or made
	// (the key store was away) when the recording was to start. Nothing is recorded
	// unencrypted.
	ReasonKeysUnavailable = "keys_unavailable"
)
