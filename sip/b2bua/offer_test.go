package b2bua

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/b2bua/torturetest"
	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/siptest"
)

func TestOffersTheGatewayMustNotTakeAreRefused(t *testing.T) {
	plain := siptest.Offer(30000, "", siptest.PCMU)
	tests := []struct {
		name        string
		body        string
		contentType string
		own         bool // offer the gateway's media address and a port another call holds
		want        int
		wantAccept  string
	}{
		{name: "audio port 0 as the only stream", body: siptest.Offer(0, "", siptest.PCMU), want: sip.StatusNotAcceptableHere},
		{name: "multicast c=", body: strings.Replace(plain, "c=IN IP4 127.0.0.1", "c=IN IP4 233.252.0.1/127", 1), want: sip.StatusNotAcceptableHere},
		{name: "broadcast c=", body: strings.Replace(plain, "c=IN IP4 127.0.0.1", "c=IN IP4 255.255.255.255", 1), want: sip.StatusNotAcceptableHere},
		{name: "a media port the gateway holds", own: true, want: sip.StatusNotAcceptableHere},
		{name: "a body that is no SDP", body: plain, contentType: "application/unknownformat", want: sip.StatusUnsupportedMediaType, wantAccept: "application/sdp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var served atomic.Int32
			g := startGateway(t, "udp", 2, handlerFunc(func(context.Context, *Inbound) { served.Add(1) }))
			body, held := tt.body, 0
			if tt.own {
				ep, err := g.pool.Open() // as another call holds it
				if err != nil {
					t.Fatal(err)
				}
				defer ep.Close()
				body = siptest.Offer(int(ep.LocalAddr().Port()), "", siptest.PCMU) // 127.0.0.1: the gateway's media IP
				held = 1
			}
			var hdrs []sip.Header
			if tt.contentType != "" {
				hdrs = append(hdrs, sip.NewHeader("Content-Type", tt.contentType))
			}
			trunk := siptest.NewPeer(t, "udp", nil)
			var accept string
			var statuses []int
			call := trunk.InviteWatching(t, g.uri, body, func(res *sip.Response) {
				statuses = append(statuses, res.StatusCode)
				if h := res.GetHeader("Accept"); h != nil {
					accept = h.Value()
				}
			}, hdrs...)

			if got := call.FinalStatus(t); got != tt.want {
				t.Errorf("INVITE answered %d, want %d", got, tt.want)
			}
			if tt.wantAccept != "" && accept != tt.wantAccept {
				t.Errorf("Accept %q, want %q", accept, tt.wantAccept)
			}
			for _, s := range statuses {
				if s == sip.StatusTrying {
					t.Errorf("refused INVITE got 100 Trying first (%v): it was taken as a call", statuses)
				}
			}
			if n := served.Load(); n != 0 {
				t.Errorf("call handler ran %d times", n)
			}
			if n := g.pool.InUse(); n != held {
				t.Errorf("%d port pairs in use after the refusal, want %d", n, held)
			}
		})
	}
}

func TestReinviteToMulticastIsRefusedAndZeroAddressIsHold(t *testing.T) {
	_, call, in := answeredCall(t, siptest.Offer(30000, "", siptest.PCMA, siptest.TelephoneEvent))
	reinvite := func(body string) *sip.Response {
		req := sip.NewRequest(sip.INVITE, siptest.RemoteTarget(call.Dialog))
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody([]byte(body))
		res := siptest.InDialog(t, call.Dialog, req)
		if res.StatusCode == sip.StatusOK {
			if err := call.Dialog.WriteRequest(sip.NewRequest(sip.ACK, siptest.RemoteTarget(call.Dialog))); err != nil {
				t.Fatalf("ACK to re-INVITE: %v", err)
			}
		}
		return res
	}
	multicast := strings.Replace(siptest.Offer(30000, "", siptest.PCMA, siptest.TelephoneEvent), "c=IN IP4 127.0.0.1", "c=IN IP4 233.252.0.1/127", 1)
	if res := reinvite(multicast); res.StatusCode != sip.StatusNotAcceptableHere {
		t.Errorf("re-INVITE to a multicast address answered %d, want 488", res.StatusCode)
	}
	if remote, ok := in.Media.Remote(); !ok || remote.Addr().String() != "127.0.0.1" {
		t.Errorf("media now goes to %v, want still the caller", remote)
	}
	hold := strings.Replace(siptest.Offer(30000, "", siptest.PCMA, siptest.TelephoneEvent), "c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0", 1)
	res := reinvite(hold)
	if res.StatusCode != sip.StatusOK {
		t.Fatalf("re-INVITE with c=0.0.0.0 answered %d, want 200 (legacy hold)", res.StatusCode)
	}
	if ev := nextEvent(t, in.Events()); ev.Kind != EventHold || ev.Direction != string(sdpneg.SendOnly) {
		t.Errorf("event %+v, want EventHold sendonly", ev)
	}
}

// An offer with many m-lines is answered line for line (RFC 3264 §6), and sipgo sends no
// datagram over 1300 bytes: such a call must be refused before 100 Trying, not left with
// a 200 OK that never leaves. The INVITE comes as one raw datagram, as a trunk may send
// it (sipgo's own client moves big requests to TCP).
func TestAnswerTooLargeForADatagramGets513(t *testing.T) {
	var served atomic.Int32
	g := startGateway(t, "udp", 2, handlerFunc(func(context.Context, *Inbound) { served.Add(1) }))
	conn, c := torturetest.DialUDP(t, net.JoinHostPort(g.uri.Host, strconv.Itoa(g.uri.Port)), "")
	self := conn.LocalAddr().String()
	body := siptest.Offer(30000, "", siptest.PCMU) + strings.Repeat("m=video 0 RTP/AVP 31\r\n", 60)
	invite := "INVITE sip:100@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + self + ";branch=z9hG4bK-big\r\n" +
		"From: <sip:caller@127.0.0.1>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\n" +
		"Call-ID: big-answer\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n" +
		"Contact: <sip:caller@" + self + ">\r\nContent-Type: application/sdp\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := conn.Write([]byte(invite)); err != nil {
		t.Fatal(err)
	}
	c.Until(t, "big-answer")
	if got := c.Got["big-answer"]; got != sip.StatusMessageTooLarge {
		t.Errorf("INVITE whose answer cannot be sent answered %d, want 513 before any 100", got)
	}
	if n := served.Load(); n != 0 {
		t.Errorf("call handler ran %d times", n)
	}
}
