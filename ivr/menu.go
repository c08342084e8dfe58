package ivr

import (
	"context"
	"strings"

	"github.com/consentgw/consentgw/consent"
)

// menuKeys are the keys of a menu's choices, in order.
const menuKeys = "123456789"

// MaxMenuChoices is the most choices a menu offers: one key each, 1 to 9.
const MaxMenuChoices = len(menuKeys)

// Menu plays a menu prompt ("for English press 1, for dansk tryk 2") and returns the
// choice keyed, 0 for key 1, or -1 when the caller keyed nothing within o.Timeout after
// the prompt (the caller then gets the default). hungUp is true when the caller left.
// Pass the same Caller.Detectors to the step that follows, so the menu's key press is
// not read again there.
func Menu(ctx context.Context, c Caller, o Options, choices int) (choice int, hungUp bool) {
	choices = min(max(choices, 0), MaxMenuChoices)
	o.AcceptDigits, o.DeclineDigits, o.Repeats = menuKeys[:choices], "", 0
	out := Collect(ctx, c, o)
	switch out.Decision {
	case consent.DecisionHangup:
		return -1, true
	case consent.DecisionGranted:
		return strings.Index(menuKeys, out.Digit), false
	}
	return -1, false
}
