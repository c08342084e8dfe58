package b2bua

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/siptest"
	"github.com/consentgw/consentgw/sip/testports"
)

// ipv6Offer is siptest.Offer with its addresses on host, an IPv6 literal (linphone's
// default offer names fd00::… or the phone's global address).
func ipv6Offer(host string, port int, formats ...string) string {
	body := siptest.Offer(port, "", formats...)
	return strings.ReplaceAll(body, "IN IP4 127.0.0.1", "IN IP6 "+host)
}

// newPoolOn is newPool on another address.
func newPoolOn(t *testing.T, ip netip.Addr, pairs int) *media.PortPool {
	t.Helper()
	base := testports.Block(t, testports.UDP, 2*pairs)
	pool, err := media.NewPortPool(ip, base, base+2*pairs-1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// An offer whose media address is IPv6, on a gateway with IPv4 media only, gets 488 and
// ends nothing else: the next IPv4 call is answered. It used to panic the process in
// the media socket ("As4 called on IPv6 address").
func TestIPv6OfferWithoutIPv6MediaIsRefused488(t *testing.T) {
	legs := make(chan *Inbound, 2)
	g := startGateway(t, "udp", 2, answerAndWait(legs))
	trunk := siptest.NewPeer(t, "udp", nil)

	if got := trunk.Invite(t, g.uri, ipv6Offer("fd00::2", 30000, siptest.PCMU)).FinalStatus(t); got != sip.StatusNotAcceptableHere {
		t.Fatalf("IPv6 offer answered %d, want 488", got)
	}
	if n := g.pool.InUse(); n != 0 {
		t.Errorf("%d port pairs held after the refusal", n)
	}

	call := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU))
	if call.Err != nil {
		t.Fatalf("IPv4 call after the IPv6 offer: %v", call.Err)
	}
	siptest.Recv(t, legs, "the IPv4 call")
	call.Bye(t)
}

// With an IPv6 media address beside the IPv4 one (media.ip "127.0.0.1, ::1"), an IPv6
// offer is answered from the IPv6 address and an IPv4 offer from the IPv4 one.
func TestDualStackAnswersEachOfferInItsFamily(t *testing.T) {
	legs := make(chan *Inbound, 2)
	v6 := newPoolOn(t, netip.IPv6Loopback(), 2)
	g := startGatewayAdjusted(t, "udp", 2, answerAndWait(legs), func(o *Options) {
		o.DualStack = &MediaAddr{IP: netip.IPv6Loopback(), Ports: v6}
	})
	trunk := siptest.NewPeer(t, "udp", nil)

	for _, tt := range []struct {
		name, body string
		want       netip.Addr
	}{
		{"IPv6", ipv6Offer("::1", 30000, siptest.PCMU), netip.IPv6Loopback()},
		{"IPv4", siptest.Offer(30000, "", siptest.PCMU), loopback},
	} {
		call := trunk.Invite(t, g.uri, tt.body)
		if call.Err != nil {
			t.Fatalf("%s offer: %v", tt.name, call.Err)
		}
		in := siptest.Recv(t, legs, tt.name+" call")
		if call.Answer.Addr != tt.want {
			t.Errorf("%s offer answered with media on %v, want %v", tt.name, call.Answer.Addr, tt.want)
		}
		if got := in.Media.LocalAddr().Addr(); got != tt.want {
			t.Errorf("%s caller's media bound on %v, want %v", tt.name, got, tt.want)
		}
		call.Bye(t)
	}
	waitUntil(t, func() bool { return v6.InUse() == 0 }, "the IPv6 port pair back in its pool")
}

// A re-INVITE that moves an IPv4 call's media to an IPv6 address is refused with 488:
// the leg's socket cannot reach it, and the call goes on where it was.
func TestReinviteToTheOtherFamilyIsRefused488(t *testing.T) {
	legs := make(chan *Inbound, 1)
	g := startGateway(t, "udp", 1, answerAndWait(legs))
	trunk := siptest.NewPeer(t, "udp", nil)
	call := trunk.Invite(t, g.uri, siptest.Offer(30000, "", siptest.PCMU))
	if call.Err != nil {
		t.Fatal(call.Err)
	}
	in := siptest.Recv(t, legs, "the call")
	before, _ := in.Media.Remote()

	reinvite := sip.NewRequest(sip.INVITE, siptest.RemoteTarget(call.Dialog))
	reinvite.SetBody([]byte(ipv6Offer("fd00::2", 30002, siptest.PCMU)))
	reinvite.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res := siptest.InDialog(t, call.Dialog, reinvite)

	if res.StatusCode != sip.StatusNotAcceptableHere {
		t.Errorf("re-INVITE to IPv6 answered %d, want 488", res.StatusCode)
	}
	if after, _ := in.Media.Remote(); after != before {
		t.Errorf("media moved from %v to %v by a refused re-INVITE", before, after)
	}
	call.Bye(t)
}
