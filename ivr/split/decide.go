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
	c.sealCallID()
	c.s.opts.Observer.Decided(o.Decision, o.Method)
	// The decision is logged with its method and the subjects' pseudonyms, never a number.
	c.log.Info("consent decided", "decision", o.Decision, "method", o.Method, "prompt_played_ms", o.PlayedMS, "subjects", len(r.Subjects))
	c.spoolReceipt()
	c.s.opts.Events.Emit(audit.KindConsentCaptured, r.AuditView())
}

// sealCallID encrypts the receipt's raw Call-ID to the caller's key, so that erasing the
// caller makes it unreadable in every copy of the receipt. Without the key (the key store
// is away) the receipt leaves the Call-ID out rather than keep it in clear: the call is
// still named by its sip_call_id_key.
func (c *call) sealCallID() {
	r := &c.receipt
	if c.keys == nil || r.SIPCallID == "" {
		return
	}
	sealed, err := c.keys.SealCallID(r.SIPCallID)
	if err != nil {
		c.log.Warn("the receipt leaves the Call-ID out: the caller's key is not there", "error", err)
	}
	r.SIPCallID, r.SIPCallIDSealed = "", sealed
}
