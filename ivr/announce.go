package ivr

import (
	"context"

	"github.com/consentgw/consentgw/consent"
)

// Announce plays the prompt once to the caller without asking anything (notice mode:
// one-party consent law, the caller is told the call is recorded). It returns
// DecisionNotified once the prompt played to its end, DecisionHangup if the caller left
// first. Digits pressed meanwhile decide nothing.
func Announce(ctx context.Context, c Caller, o Options) Outcome {
	o.AcceptDigits, o.DeclineDigits, o.Timeout, o.Repeats = "", "", 0, 0
	out := Collect(ctx, c, o)
	if out.Decision == consent.DecisionTimeout {
		out.Decision = consent.DecisionNotified
	}
	return out
}
