package storage

import "time"

// The key layout of SPEC §5. Dates are the UTC day of t, so a call that
// crosses midnight in a local zone still has one stable key. Callers pass
// ids from consent.IDSource and hex subject keys; check ids that come from
// outside (request ids) with ValidSegment first.

const dayLayout = "2006/01/02"

// RecordingKey is the key of a call's stereo WAV.
func RecordingKey(t time.Time, id string) string {
	return "recordings/" + t.UTC().Format(dayLayout) + "/" + id + ".wav"
}

// SealedRecordingKey is the key of a call's sealed recording: the parties' encrypted
// streams back to back (consent/sealing).
func SealedRecordingKey(t time.Time, id string) string {
	return "recordings/" + t.UTC().Format(dayLayout) + "/" + id + ".sealed"
}

// RecordingMetaKey is the key of a recording's metadata JSON.
func RecordingMetaKey(t time.Time, id string) string {
	return "recordings/" + t.UTC().Format(dayLayout) + "/" + id + ".json"
}

// ReceiptKey is the key of a call's consent receipt.
func ReceiptKey(t time.Time, id string) string {
	return "consent/" + t.UTC().Format(dayLayout) + "/" + id + ".json"
}

// IndexPrefix is the prefix under which all of a subject's index entries
// live; listing it is the only way to find them (no bucket scans).
func IndexPrefix(subjectKey string) string {
	return "subjects/" + subjectKey + "/"
}

// IndexKey is the key of one subject index entry.
func IndexKey(subjectKey, id string) string {
	return IndexPrefix(subjectKey) + id + ".json"
}

// ExportKey is the key of an export bundle.
func ExportKey(requestID string) string {
	return "exports/" + requestID + ".zip"
}
