package media

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// The caller's SDP names its own socket; a packet from another port of the same host,
// or from the same port of another host, is dropped and counted, and the caller's next
// packet is the first the handler sees.
func TestStrictLatchingTakesOnlyTheSDPAddressAndPort(t *testing.T) {
	pool := newPool(t, 44000, 44099)
	caller := udpPeer(t, "127.0.0.1")
	leg := startLeg(t, pool, addrOf(caller))

	otherPort := udpPeer(t, "127.0.0.1")
	send(t, otherPort, leg.ep.LocalAddr(), rtpPacket(1, 7))
	otherIP := udpPeer(t, "127.0.0.2")
	send(t, otherIP, leg.ep.LocalAddr(), rtpPacket(2, 7))
	send(t, caller, leg.ep.LocalAddr(), rtpPacket(3, 7))
	leg.nextIs(t, 3)

	if n := pool.Rejected().Count(RejectUnexpectedSource); n != 2 {
		t.Fatalf("unexpected_source counted %d, want 2", n)
	}
	if err := leg.ep.WriteRTP(rtpPacket(100, 9)); err != nil {
		t.Fatal(err)
	}
	reply(t, caller)
	if n := queued(t, otherPort) + queued(t, otherIP); n != 0 {
		t.Fatalf("the gateway sent %d packets to sources that were dropped", n)
	}
}

// Behind a NAT the caller's packets come from another port of the SDP's IP: that port
// latches (and gets the replies), another IP never does.
func TestNATLatchingTakesAnyPortOfTheSDPIPAndSendsThere(t *testing.T) {
	pool := newPool(t, 44100, 44199, WithLatching(LatchNAT))
	// The SDP announces a port nobody listens on; the caller's NAT sends from elsewhere.
	leg := startLeg(t, pool, netip.AddrPortFrom(loopback, 9))

	otherIP := udpPeer(t, "127.0.0.2")
	send(t, otherIP, leg.ep.LocalAddr(), rtpPacket(1, 7))
	natted := udpPeer(t, "127.0.0.1")
	send(t, natted, leg.ep.LocalAddr(), rtpPacket(2, 7))
	leg.nextIs(t, 2)

	if remote, _ := leg.ep.Remote(); remote != addrOf(natted) {
		t.Fatalf("latched %v, want the caller's NAT address %v", remote, addrOf(natted))
	}
	if err := leg.ep.WriteRTP(rtpPacket(100, 9)); err != nil {
		t.Fatal(err)
	}
	reply(t, natted)
	if n := queued(t, otherIP); n != 0 {
		t.Fatalf("the gateway sent %d packets to another IP", n)
	}
	if n := pool.Rejected().Count(RejectUnexpectedSource); n != 1 {
		t.Fatalf("unexpected_source counted %d, want 1", n)
	}
}

// Once latched, every other source is dropped and counted, in both modes: even another
// port of the caller's own IP, which could have latched in NAT mode before.
func TestLatchedLegDropsAndCountsEveryOtherSource(t *testing.T) {
	for _, mode := range []Latching{LatchStrict, LatchNAT} {
		t.Run(mode.String(), func(t *testing.T) {
			pool := newPool(t, 44200, 44299, WithLatching(mode))
			caller := udpPeer(t, "127.0.0.1")
			leg := startLeg(t, pool, addrOf(caller))
			send(t, caller, leg.ep.LocalAddr(), rtpPacket(1, 7))
			leg.nextIs(t, 1)

			sprayers := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}
			for i, ip := range sprayers {
				send(t, udpPeer(t, ip), leg.ep.LocalAddr(), rtpPacket(uint16(10+i), 7))
			}
			send(t, caller, leg.ep.LocalAddr(), rtpPacket(2, 7))
			leg.nextIs(t, 2)
			if n := pool.Rejected().Count(RejectUnexpectedSource); n != uint64(len(sprayers)) {
				t.Fatalf("unexpected_source counted %d, want %d", n, len(sprayers))
			}
			if n := leg.ep.Rejected.Load(); n != uint64(len(sprayers)) {
				t.Fatalf("endpoint counted %d rejects, want %d", n, len(sprayers))
			}
			if logs := leg.logs.String(); strings.Count(logs, "unexpected_source") != 1 {
				t.Fatalf("want one log line for the dropped sources, got:\n%s", logs)
			}
		})
	}
}

// A trunk that switches streams sends a new SSRC from the same socket: it is the same
// peer and its packets go on.
func TestLatchedSourceMayChangeItsSSRC(t *testing.T) {
	pool := newPool(t, 44300, 44399)
	caller := udpPeer(t, "127.0.0.1")
	leg := startLeg(t, pool, addrOf(caller))
	send(t, caller, leg.ep.LocalAddr(), rtpPacket(1, 7))
	send(t, caller, leg.ep.LocalAddr(), rtpPacket(2, 8))
	if h := leg.next(t); h.SSRC != 7 {
		t.Fatalf("first SSRC %d", h.SSRC)
	}
	if h := leg.next(t); h.SSRC != 8 || h.SequenceNumber != 2 {
		t.Fatalf("after the switch: SSRC %d seq %d, want SSRC 8 seq 2", h.SSRC, h.SequenceNumber)
	}
	if n := leg.ep.Rejected.Load(); n != 0 {
		t.Fatalf("%d packets rejected", n)
	}
}

// A re-INVITE to a new address latches against that address only: the old source is
// dropped from then on, and so is a third party that sends first.
func TestSetRemoteToANewAddressRearmsLatchingAgainstItAlone(t *testing.T) {
	for _, mode := range []Latching{LatchStrict, LatchNAT} {
		t.Run(mode.String(), func(t *testing.T) {
			pool := newPool(t, 44400, 44499, WithLatching(mode))
			before := udpPeer(t, "127.0.0.2")
			leg := startLeg(t, pool, addrOf(before))
			send(t, before, leg.ep.LocalAddr(), rtpPacket(1, 7))
			leg.nextIs(t, 1)

			after := udpPeer(t, "127.0.0.3")
			if err := leg.ep.SetRemote(addrOf(after), netip.AddrPortFrom(addrOf(after).Addr(), addrOf(after).Port()+1)); err != nil {
				t.Fatal(err)
			}
			send(t, before, leg.ep.LocalAddr(), rtpPacket(2, 7))
			send(t, udpPeer(t, "127.0.0.1"), leg.ep.LocalAddr(), rtpPacket(3, 7))
			send(t, after, leg.ep.LocalAddr(), rtpPacket(4, 7))
			leg.nextIs(t, 4)
			if remote, _ := leg.ep.Remote(); remote != addrOf(after) {
				t.Fatalf("sends go to %v, want the new address %v", remote, addrOf(after))
			}
		})
	}
}

// A re-INVITE that repeats the address (hold, a new session version) keeps the latch: a
// NATed caller's packets keep coming through from its mapped port.
func TestSetRemoteWithTheSameAddressKeepsTheLatch(t *testing.T) {
	pool := newPool(t, 44500, 44599, WithLatching(LatchNAT))
	sdp := netip.AddrPortFrom(loopback, 9)
	leg := startLeg(t, pool, sdp)
	natted := udpPeer(t, "127.0.0.1")
	send(t, natted, leg.ep.LocalAddr(), rtpPacket(1, 7))
	leg.nextIs(t, 1)

	if err := leg.ep.SetRemote(sdp, netip.AddrPortFrom(loopback, 10)); err != nil {
		t.Fatal(err)
	}
	send(t, udpPeer(t, "127.0.0.1"), leg.ep.LocalAddr(), rtpPacket(2, 7)) // would latch if re-armed
	send(t, natted, leg.ep.LocalAddr(), rtpPacket(3, 7))
	leg.nextIs(t, 3)
	if remote, _ := leg.ep.Remote(); remote != addrOf(natted) {
		t.Fatalf("sends go to %v, want the latched %v", remote, addrOf(natted))
	}
}

// RTCP follows the same rule: only the SDP's RTCP address is relayed to the other leg.
func TestRTCPIsRelayedOnlyFromThePeersAddress(t *testing.T) {
	pool := newPool(t, 44600, 44699)
	caller, callerRTCP := udpPeer(t, "127.0.0.1"), udpPeer(t, "127.0.0.1")
	agentRTCP := udpPeer(t, "127.0.0.1")
	in, err := pool.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := pool.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := in.SetRemote(addrOf(caller), addrOf(callerRTCP)); err != nil {
		t.Fatal(err)
	}
	if err := out.SetRemote(netip.AddrPortFrom(loopback, 9), addrOf(agentRTCP)); err != nil {
		t.Fatal(err)
	}
	in.RelayRTCPTo(out)
	if err := in.Start(nil); err != nil {
		t.Fatal(err)
	}
	rtcpPort := netip.AddrPortFrom(in.LocalAddr().Addr(), in.LocalAddr().Port()+1)
	report := []byte{0x80, 200, 0, 1, 0, 0, 0, 7} // an empty sender report
	forged := []byte{0x80, 203, 0, 1, 0, 0, 0, 7} // a BYE from someone else
	send(t, udpPeer(t, "127.0.0.2"), rtcpPort, forged)
	send(t, caller, rtcpPort, forged) // the RTP socket is not the RTCP one
	send(t, callerRTCP, rtcpPort, report)
	if got := reply(t, agentRTCP); got[1] != 200 {
		t.Fatalf("agent got RTCP type %d, want the caller's sender report", got[1])
	}
	if n := queued(t, agentRTCP); n != 0 {
		t.Fatalf("%d forged RTCP packets reached the agent", n)
	}
	if n := pool.Rejected().Count(RejectUnexpectedSource); n != 2 {
		t.Fatalf("unexpected_source counted %d, want 2", n)
	}
}

// Phones that do ICE send STUN binding requests to the RTP port (RFC 7983 demultiplexing
// tells them apart by the first octet): dropped and counted as stun, without a warning.
func TestSTUNOnAnRTPPortIsDroppedQuietly(t *testing.T) {
	pool := newPool(t, 44700, 44799)
	caller := udpPeer(t, "127.0.0.1")
	leg := startLeg(t, pool, addrOf(caller))
	// RFC 5389 §6: Binding request, no attributes, the magic cookie, a transaction id.
	stun := []byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	for range 3 {
		send(t, caller, leg.ep.LocalAddr(), stun)
	}
	send(t, caller, leg.ep.LocalAddr(), rtpPacket(1, 7))
	leg.nextIs(t, 1)
	if n := pool.Rejected().Count(RejectSTUN); n != 3 {
		t.Fatalf("stun counted %d, want 3", n)
	}
	if n := leg.ep.Malformed.Load(); n != 0 {
		t.Fatalf("STUN counted as %d malformed packets", n)
	}
	if logs := leg.logs.String(); strings.Contains(logs, "level=WARN") {
		t.Fatalf("STUN was warned about:\n%s", logs)
	}
	// Something that is neither (a DTLS record, first octet 22) is malformed, and said.
	send(t, caller, leg.ep.LocalAddr(), []byte{22, 0xfe, 0xfd, 0, 0})
	send(t, caller, leg.ep.LocalAddr(), rtpPacket(2, 7))
	leg.nextIs(t, 2)
	if n := pool.Rejected().Count(RejectMalformed); n != 1 {
		t.Fatalf("malformed counted %d, want 1", n)
	}
	if logs := leg.logs.String(); !strings.Contains(logs, "level=WARN") {
		t.Fatalf("a non-RTP datagram was not logged:\n%s", logs)
	}
}

// Before any packet, and with no SDP address at all, nothing is taken: there is nobody
// to latch to.
func TestEndpointWithoutAnSDPAddressTakesNothing(t *testing.T) {
	pool := newPool(t, 44800, 44899)
	caller := udpPeer(t, "127.0.0.1")
	leg := startLeg(t, pool, netip.AddrPortFrom(netip.IPv4Unspecified(), 0)) // c=0.0.0.0
	send(t, caller, leg.ep.LocalAddr(), rtpPacket(1, 7))
	waitFor(t, "the packet to be rejected", func() bool { return leg.ep.Rejected.Load() == 1 })
	if err := leg.ep.SetRemote(addrOf(caller), netip.AddrPortFrom(loopback, 9)); err != nil {
		t.Fatal(err)
	}
	send(t, caller, leg.ep.LocalAddr(), rtpPacket(2, 7))
	leg.nextIs(t, 2)
	if _, ok := leg.ep.Remote(); !ok {
		t.Fatal("no remote after the SDP named one")
	}
}

// An IPv6 address for an IPv4 socket (and the reverse) is an error, not a panic, and
// leaves the leg as it was.
func TestSetRemoteRefusesAnAddressFamilyTheSocketCannotReach(t *testing.T) {
	pool := newPool(t, 44900, 44999)
	caller := udpPeer(t, "127.0.0.1")
	leg := startLeg(t, pool, addrOf(caller))
	v6 := netip.MustParseAddrPort("[fd00::2]:4000")
	if err := leg.ep.SetRemote(v6, netip.MustParseAddrPort("[fd00::2]:4001")); !errors.Is(err, ErrAddressFamily) {
		t.Fatalf("IPv6 SDP on an IPv4 socket: err = %v, want ErrAddressFamily", err)
	}
	if err := leg.ep.SetRemote(addrOf(caller), netip.MustParseAddrPort("[fd00::2]:4001")); !errors.Is(err, ErrAddressFamily) {
		t.Fatalf("IPv6 RTCP address on an IPv4 socket: err = %v, want ErrAddressFamily", err)
	}
	if remote, _ := leg.ep.Remote(); remote != addrOf(caller) {
		t.Fatalf("remote %v after a refused SetRemote, want %v", remote, addrOf(caller))
	}

	pool6, err := NewPortPool(netip.IPv6Loopback(), 44900, 44999)
	if err != nil {
		t.Fatal(err)
	}
	defer pool6.Close()
	ep6, err := pool6.Open()
	if err != nil {
		t.Fatalf("binding ::1: %v (the machine needs an IPv6 loopback)", err)
	}
	defer ep6.Close()
	if err := ep6.SetRemote(addrOf(caller), netip.AddrPortFrom(loopback, 9)); !errors.Is(err, ErrAddressFamily) {
		t.Fatalf("IPv4 SDP on a ::1 socket: err = %v, want ErrAddressFamily", err)
	}
}
