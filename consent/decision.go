// Package consent holds the caller's recording-consent decision and the
// receipt written for every call, whatever the outcome (SPEC §1, §5).
package consent

import "fmt"

// Decision is the outcome of the consent prompt, as written in the receipt.
type Decision string

// The decisions of SPEC §5.
const (
	DecisionGranted   Decision = "granted"
	DecisionDeclined  Decision = "declined"
	DecisionTimeout   Decision = "timeout"
	DecisionHangup    Decision = "hangup"
	DecisionWithdrawn Decision = "withdrawn"
	// DecisionNotified is a notice-mode call: the caller heard that the call is
	// recorded and was not asked (one-party consent). It is not consent, and the
	// receipt says so.
	DecisionNotified Decision = "notified"
)

// Records reports whether a call with this decision may have its audio
// written anywhere. Only an explicit opt-in does, or a notice-mode call where
// the route's policy allows recording on notice: silence is never consent,
// and a withdrawn consent discards what was recorded.
func (d Decision) Records() bool { return d == DecisionGranted || d == DecisionNotified }

// Valid reports whether d is one of the SPEC §5 decisions.
func (d Decision) Valid() bool {
	switch d {
	case DecisionGranted, DecisionDeclined, DecisionTimeout, DecisionHangup, DecisionWithdrawn, DecisionNotified:
		return true
	}
	return false
}

// ParseDecision returns the decision named s.
func ParseDecision(s string) (Decision, error) {
	d := Decision(s)
	if !d.Valid() {
		return "", fmt.Errorf("parsing decision %q: %w", s, ErrUnknownDecision)
	}
	return d, nil
}
