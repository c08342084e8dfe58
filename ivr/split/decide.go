package split

import (
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/ivr"
)

// decide records the caller's decision in the receipt, queues the receipt for the store
// and tells the audit trail. A decision that records marks the recording pending: it
// starts when the agent answers, and the receipt is rewritten with what became of it.
func (c *call) decide(o ivr.Outcome) {
	r := &c.receipt
	r.DecidedAt = o.DecidedAt
	r.Decision = o.Decision
	r.Method = o.Method
	r.Digit = o.Digit
	r.Prompt.PlayedMS = o.PlayedMS
	if o.Decision.Records() {
		r.RecordingStatus = consent.RecordingPending
	}
	c.s.opts.Observer.Decided(o.Decision, o.Method)
	// The decision is logged with its method and the subjects' pseudonyms, never a number.
	c.log.Info("consent decided", "decision", o.Decision, "method", o.Method, "prompt_played_ms", o.PlayedMS, "subjects", len(r.Subjects))
	c.spoolReceipt()
	c.s.opts.Events.Emit(audit.KindConsentCaptured, r.AuditView())
}
