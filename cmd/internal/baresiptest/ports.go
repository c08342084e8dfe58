package baresiptest

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/sipptest"
)

const portAttempts = 50

// ports are every port one baresip binds on its address. baresip 1.0 listens for SIP on
// UDP and TCP at sip and for SIP over TLS at sip+1 even without certificates, takes its
// RTP/RTCP pairs (RFC 3550 §11) from rtp..rtp+3 on the wildcard address, and answers
// ctrl_tcp commands on ctrl.
type ports struct {
	sip, rtp, ctrl int
}

// rtpPorts is the size of the rtp_ports range: two RTP/RTCP pairs.
const rtpPorts = 4

func reservePorts(t testing.TB, ip string) ports {
	t.Helper()
	for range portAttempts {
		p := ports{sip: sipptest.FreePort(t, "udp"), rtp: sipptest.FreePort(t, "udp"), ctrl: sipptest.FreePort(t, "tcp")}
		if p.distinct() && p.bindable(ip) {
			return p
		}
	}
	t.Fatalf("reserving baresip ports on %s: %v", ip, ErrNoFreePort)
	return ports{}
}

// distinct reports whether no two of the reserved ranges overlap.
func (p ports) distinct() bool {
	var all []int
	for i := range 2 {
		all = append(all, p.sip+i)
	}
	for i := range rtpPorts {
		all = append(all, p.rtp+i)
	}
	all = append(all, p.ctrl)
	slices.Sort(all)
	return len(slices.Compact(all)) == 2+rtpPorts+1
}

// bindable checks each port where baresip will bind it; sipptest.FreePort probed 127.0.0.1 only.
func (p ports) bindable(ip string) bool {
	checks := []struct {
		network, host string
		port          int
	}{
		{"udp", ip, p.sip}, {"tcp", ip, p.sip}, {"tcp", ip, p.sip + 1}, {"tcp", "127.0.0.1", p.ctrl},
	}
	for i := range rtpPorts {
		checks = append(checks, struct {
			network, host string
			port          int
		}{"udp", "", p.rtp + i})
	}
	for _, c := range checks {
		if err := tryBind(c.network, net.JoinHostPort(c.host, strconv.Itoa(c.port))); err != nil {
			return false
		}
	}
	return true
}

func tryBind(network, addr string) error {
	if network == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return fmt.Errorf("binding udp %s: %w", addr, err)
		}
		return c.Close()
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("binding tcp %s: %w", addr, err)
	}
	return l.Close()
}
