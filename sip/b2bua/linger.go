package b2bua

import (
	"time"

	"github.com/emiago/sipgo/sip"
)

// transactionLinger is how long a completed transaction is kept to absorb late
// retransmissions: Timer J of non-INVITE server transactions (RFC 3261 §17.2.2), Timers
// L and M of accepted INVITE transactions (RFC 6026 §8.7, §8.4), which the RFCs set to
// 64*T1 (32 s) on UDP.
//
// sipgo v1.7 keeps a terminated INVITE transaction reachable until its Timer L or M
// fires (delete does not stop them), with its INVITE and its 2xx: every ended call kept
// its transactions 32 s, about 27 KiB a call. At 100 calls a second of 2 s calls that
// was 3,200 ended calls held beside 260 live ones, and most of the gateway's memory.
// Kamailio's tm keeps a completed transaction 5 s (wt_timer), and so does the gateway.
//
// What the shorter time gives up: a BYE or INFO retransmitted more than 5 s after its
// response gets 481, which ends the dialog for its sender anyway (RFC 3261 §15.1.1); a
// caller whose ACKs are all lost for 5 s has its call ended, as after Timer L; an agent
// whose 2xx retransmissions go unanswered for 5 s sees no ACK and ends the call.
const transactionLinger = 5 * time.Second

// The timers are sipgo's package variables: set once, before any transaction exists.
func init() {
	sip.Timer_J, sip.Timer_L, sip.Timer_M = transactionLinger, transactionLinger, transactionLinger
}
