package ivr

import (
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
)

func TestAnnounceRecordsOnNoticeAfterThePrompt(t *testing.T) {
	c := newTestCall(t)
	out := make(chan Outcome, 1)
	go func() { out <- Announce(t.Context(), c.caller(), options(time.Minute, 3)) }()
	waitPrompt(t, c)
	c.pressRFC4733(t, 2) // a decline key decides nothing on notice
	o := waitOutcome(t, out)
	if o.Decision != consent.DecisionNotified || o.Method != consent.MethodNone || o.PlayedMS != 100 {
		t.Fatalf("outcome %+v, want notified after one play of the 100 ms prompt", o)
	}
}

// The menu key's trailing end packets reach the consent step: with the menu's detectors
// they are the same press, not a consent key.
func TestMenuKeyIsNotReadAgainByTheConsentPrompt(t *testing.T) {
	c := newTestCall(t)
	caller := c.caller()
	caller.Detectors = NewDetectors()
	choice := make(chan int, 1)
	go func() {
		i, _ := Menu(t.Context(), caller, options(time.Minute, 0), 2)
		choice <- i
	}()
	waitPrompt(t, c)
	c.pressRFC4733(t, 2)
	select {
	case i := <-choice:
		if i != 1 {
			t.Fatalf("menu choice %d, want 1 (key 2)", i)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no menu choice")
	}
	out := make(chan Outcome, 1)
	go func() { out <- Collect(t.Context(), caller, options(40*time.Millisecond, 0)) }()
	waitPrompt(t, c)
	c.pressRFC4733(t, 2) // the same press again: its end packets, repeated
	if o := waitOutcome(t, out); o.Decision != consent.DecisionTimeout {
		t.Fatalf("consent outcome %+v, want timeout: the menu key was read twice", o)
	}
}
