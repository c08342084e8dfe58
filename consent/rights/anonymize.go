package rights

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/consentgw/consentgw/consent"
)

// What an erase keeps of a deleted receipt (rights.erase_keeps).
const (
	// KeepNothing deletes receipts whole (SPEC §6).
	KeepNothing = "nothing"
	// KeepStatistics leaves an anonymous tombstone per deleted receipt, so decision
	// statistics survive the erase while nothing traces back to the person.
	KeepStatistics = "statistics"
)

// AnonymizedPrefix holds the tombstones: anonymized/YYYY/MM/DD/<random>.json, dated by
// the call's hour.
const AnonymizedPrefix = "anonymized/"

// TombstoneFormat names the layout of a tombstone.
const TombstoneFormat = "consentgw-anonymous-receipt/1"

// tombstone is what stays of an erased receipt: how the call was decided, on which
// route and policy, in which hour. No subject key, Call-ID, receipt or recording id,
// digit, gateway or exact time: nothing that links it to the person or to the audit
// trail's record of the call. Its key is random for the same reason.
//
// The key is kept in the erase's plan (the record drops the plan when the erase
// completes), so a retry writes the same tombstone once.
type tombstone struct {
	Key   string        `json:"key"`
	Value tombstoneBody `json:"value"`
}

type tombstoneBody struct {
	Format      string    `json:"format"`
	Route       string    `json:"route"`
	StartedHour time.Time `json:"started_hour"`
	DecidedHour time.Time `json:"decided_hour"`
	Decision    string    `json:"decision"`
	Method      string    `json:"method"`
	Mode        string    `json:"mode"`
	Policy      struct {
		Version string `json:"version"`
		Rule    string `json:"rule"`
	} `json:"policy"`
	Prompt struct {
		ID       string `json:"id"`
		Language string `json:"language"`
	} `json:"prompt"`
}

// anonymize makes the tombstone of r.
func anonymize(r consent.Receipt) *tombstone {
	b := tombstoneBody{
		Format:      TombstoneFormat,
		Route:       r.Route,
		StartedHour: r.StartedAt.UTC().Truncate(time.Hour),
		DecidedHour: r.DecidedAt.UTC().Truncate(time.Hour),
		Decision:    string(r.Decision),
		Method:      string(r.Method),
		Mode:        string(r.Mode),
	}
	b.Policy.Version, b.Policy.Rule = r.Policy.Version, r.Policy.Rule
	b.Prompt.ID, b.Prompt.Language = r.Prompt.ID, r.Prompt.Language
	var name [16]byte
	_, _ = rand.Read(name[:]) // crypto/rand does not fail on supported platforms
	key := AnonymizedPrefix + b.StartedHour.Format("2006/01/02") + "/" + hex.EncodeToString(name[:]) + ".json"
	return &tombstone{Key: key, Value: b}
}
