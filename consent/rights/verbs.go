package rights

import "slices"

// Verb is what a request asks for.
type Verb string

// The verbs: erase and export of SPEC §6, and the data-protection officer's toolkit
// (README "Erase, export and the DPO's toolkit").
const (
	VerbErase  Verb = "erase"
	VerbExport Verb = "export"
	// VerbLookup answers what the gateway holds of a subject (Art. 15 first answer).
	VerbLookup Verb = "lookup"
	// VerbHold and VerbRelease place and lift a legal hold on a subject or a call.
	VerbHold    Verb = "hold"
	VerbRelease Verb = "release"
	// VerbHolds lists the holds in force.
	VerbHolds Verb = "holds"
	// VerbStats counts decisions by day, route, method and mode.
	VerbStats Verb = "stats"
	// VerbStatus lists requests and their state.
	VerbStatus Verb = "status"
)

// Verbs is every verb, in the order the README lists them.
var Verbs = []Verb{VerbErase, VerbExport, VerbLookup, VerbHold, VerbRelease, VerbHolds, VerbStats, VerbStatus}

// Recorded reports whether a request of v keeps its first result under requests/, so
// that its request_id makes it idempotent and it can be sent durably. The others are
// questions about the present state: they change nothing, and are answered over RPC only.
func (v Verb) Recorded() bool {
	switch v {
	case VerbErase, VerbExport, VerbLookup, VerbHold, VerbRelease:
		return true
	}
	return false
}

// ParseVerb returns the verb named s.
func ParseVerb(s string) (Verb, error) {
	if v := Verb(s); slices.Contains(Verbs, v) {
		return v, nil
	}
	return "", reject("unknown verb: want erase, export, lookup, hold, release, holds, stats or status")
}
