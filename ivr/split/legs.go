package split

import (
	"context"
	"fmt"

	"github.com/consentgw/consentgw/sip/b2bua"
)

// passHold passes a hold or resume by from to the other leg (SPEC §4).
func (c *call) passHold(from string, ev b2bua.Event, hold func(context.Context, string) error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.s.opts.HangupTimeout)
	defer cancel()
	c.log.Info("media direction changed", "by", from, "direction", ev.Direction)
	if err := hold(ctx, ev.Direction); err != nil {
		c.log.Warn("passing hold to the other leg failed", "error", err)
	}
}

type hanger interface{ Hangup(context.Context) error }

// hangup sends BYE on leg, bounded by HangupTimeout: the call's own context may have
// ended already (that is often why it hangs up), so it keeps the context's values only.
func (c *call) hangup(leg hanger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), c.s.opts.HangupTimeout)
	defer cancel()
	if err := leg.Hangup(ctx); err != nil {
		c.log.Info("hangup", "error", fmt.Sprint(err))
	}
}
