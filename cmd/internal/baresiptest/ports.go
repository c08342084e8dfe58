package baresiptest

import (
	"testing"

	"github.com/consentgw/consentgw/sip/testports"
)

// ports are every port one baresip binds on its address. baresip 1.0 listens for SIP on
// UDP and TCP at sip and for SIP over TLS at sip+1 even without certificates, takes its
// RTP/RTCP pairs (RFC 3550 §11) from rtp..rtp+3 on the wildcard address, and answers
// ctrl_tcp commands on ctrl.
type ports struct {
	sip, rtp, ctrl int
}

// rtpPorts is the size of the rtp_ports range: two RTP/RTCP pairs.
const rtpPorts = 4

// reservePorts reserves them all until the test ends (sip/testports probes each on
// every local address, so the phone's own address is covered).
func reservePorts(t testing.TB) ports {
	t.Helper()
	return ports{
		sip:  testports.Block(t, testports.UDPAndTCP, 2),
		rtp:  testports.Block(t, testports.UDP, rtpPorts),
		ctrl: testports.Port(t, testports.TCP),
	}
}
