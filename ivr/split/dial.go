package split

import (
	"context"
	"errors"
	"fmt"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/sip/b2bua"
)

// dial places the agent leg to target, telling it the consent verdict; the call's
// context cancels it if the caller hangs up meanwhile. On failure it ends the caller leg
// and returns the call's end.
func (c *call) dial(target sip.Uri) (End, bool) {
	verdict := "declined"
	switch c.receipt.Decision {
	case consent.DecisionGranted:
		verdict = "granted"
	case consent.DecisionNotified:
		verdict = "notice" // recorded on notice, without the caller's opt-in
	}
	out, err := c.in.Dial(c.ctx, b2bua.DialRequest{
		Target: target,
		Headers: []sip.Header{
			sip.NewHeader("X-Recording-Consent", verdict),
			sip.NewHeader("X-Consent-ID", c.receipt.ID),
		},
		Timeout: c.route.AnswerTimeout,
		Log:     c.log,
	})
	switch {
	case err == nil:
		c.out = out
		return End{}, true
	case errors.Is(err, b2bua.ErrDialAbandoned) && errors.Is(context.Cause(c.ctx), errCallerLeft):
		return End{Reason: EndCallerLeftRinging, Err: errors.New("the caller hung up while the agent rang; agent leg cancelled")}, false
	case errors.Is(err, b2bua.ErrDialAbandoned):
		c.hangup(c.in)
		return End{Reason: EndShutdown, Err: fmt.Errorf("agent leg cancelled: %w", context.Cause(c.ctx))}, false
	}
	code, _ := b2bua.StatusOf(err)
	c.hangup(c.in)
	return End{Reason: EndTargetFailed, Status: code, Err: err}, false
}
