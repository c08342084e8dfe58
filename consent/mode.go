package consent

import "fmt"

// Mode is how a call's recording is decided, chosen by the route's policy for the
// caller's country.
type Mode string

const (
	// ModeOptIn asks the caller and records only after an accept digit (GDPR Art. 6(1)(a),
	// Art. 7): the default, the only mode for EU/EEA numbers, and what an unknown
	// location falls back to.
	ModeOptIn Mode = "opt-in"
	// ModeNotice announces the recording and records without asking, where one-party
	// consent law applies. The caller can still withdraw (object) during the call.
	ModeNotice Mode = "notice"
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == ModeOptIn || m == ModeNotice }

// ParseMode returns the mode named s.
func ParseMode(s string) (Mode, error) {
	m := Mode(s)
	if !m.Valid() {
		return "", fmt.Errorf("parsing mode %q: %w", s, ErrUnknownMode)
	}
	return m, nil
}

// PolicyInfo names the rule that chose the mode and the policy's version, so a receipt
// shows which rules were in force for the call.
type PolicyInfo struct {
	Version string `json:"version"`
	// Rule is the route's policy rule that matched ("" when none did: the default mode).
	Rule string `json:"rule"`
	// Region is the caller's ISO 3166 country from the number, "" when unknown.
	Region string `json:"region"`
}
