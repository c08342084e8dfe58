package b2bua

import (
	"testing"
	"time"

	"github.com/consentgw/consentgw/sip/siptest"
)

// Ended calls give their memory back once their transactions' linger is over: before,
// sipgo held each call's INVITE transactions, with the INVITE and its 200, for 32 s
// after the BYE, so 200 calls of a second kept over 5 MiB for half a minute.
func TestEndedCallsReleaseTheirTransactionsAfterTheLinger(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 210 calls, then waits out transactionLinger (5 s)")
	}
	const calls = 200
	legs := make(chan *Inbound, 1)
	g := startGateway(t, "udp", 2, answerAndWait(legs))
	trunk := siptest.NewPeer(t, "udp", nil)
	// Each call is a subtest, so the peer's dialog is closed when it ends: the heap then
	// holds only what the gateway kept.
	place := func(n int) {
		for range n {
			t.Run("call", func(t *testing.T) {
				call := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU, siptest.TelephoneEvent))
				if call.Err != nil {
					t.Fatalf("call not answered: %v", call.Err)
				}
				siptest.Recv(t, legs, "answered call")
				call.Bye(t)
				waitUntil(t, func() bool { return g.admittedCalls() == 0 }, "the call to end")
			})
		}
	}
	place(10) // warm up sipgo's pools, the parser and the media poller
	before := heapInUse()

	place(calls)

	// Polled, never slept: the heap comes back once the last call's transactions are let
	// go, transactionLinger after its BYE; with sipgo's 32 s it would not within the wait.
	deadline := time.Now().Add(transactionLinger + testWait)
	for {
		held := int64(heapInUse()) - int64(before)
		if held/calls < 1024 {
			t.Logf("heap held %d bytes after %d ended calls", held, calls)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the heap still holds %d bytes (%d per call) %v after %d calls ended",
				held, held/calls, transactionLinger+testWait, calls)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, not a synchronisation
	}
}
