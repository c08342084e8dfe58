// Package siptest is a SIP test kit: Go user agents on loopback that play the trunk or
// caller (UAC) and the agent (UAS) against the gateway, the SDP they offer, and the RTP
// they send and count (a G.711 tone and RFC 4733 digits). sip/b2bua's tests drive its
// Server with them, and cmd/internal/e2e places whole calls through an in-process gateway
// with them, so the call path is tested without SIPp, root or any outside binary.
//
// Every wait is bounded by Wait and fails the test when it runs out; every peer, socket
// and goroutine ends with the test.
package siptest

import "time"

// Wait bounds every wait on the network; it only guards against a hang, it is not a
// timing assertion.
const Wait = 10 * time.Second
