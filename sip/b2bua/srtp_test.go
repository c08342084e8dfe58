package b2bua

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"

	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/siptest"
)

// srtpPeer is a caller's media end speaking SDES-SRTP over a real UDP socket, with
// pion/srtp doing the crypto the way any SRTP phone would.
type srtpPeer struct {
	conn *net.UDPConn
	key  []byte // what the peer encrypts with, announced in its offer
}

func newSRTPPeer(t *testing.T) *srtpPeer {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	key := make([]byte, sdpneg.KeySaltLen)
	rand.Read(key)
	return &srtpPeer{conn: conn, key: key}
}

func (p *srtpPeer) offer() string {
	port := p.conn.LocalAddr().(*net.UDPAddr).Port
	o := siptest.Offer(port, "", siptest.PCMU, siptest.TelephoneEvent)
	o = strings.Replace(o, "RTP/AVP", "RTP/SAVP", 1)
	return o + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + base64.StdEncoding.EncodeToString(p.key) + "\r\n"
}

func srtpContext(t *testing.T, keySalt []byte) *srtp.Context {
	t.Helper()
	c, err := srtp.CreateContext(keySalt[:16], keySalt[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// An SRTP caller's packets reach the call handler decrypted, and what the gateway sends
// back leaves encrypted with the key of its answer; a forged packet never reaches the
// handler.
func TestSRTPCallerMediaIsPlainInsideAndEncryptedOnTheWire(t *testing.T) {
	got := make(chan []byte, 16)
	g := startGatewayWith(t, "udp", 2, handlerFunc(func(ctx context.Context, in *Inbound) {
		in.Media.SetHandler(media.PacketHandlerFunc(func(pkt []byte, h *rtp.Header, payload []byte) {
			got <- append([]byte(nil), payload...)
			_ = in.Media.WriteRTP(pkt) // echo, as plain RTP: the endpoint encrypts
		}))
		if err := in.Answer(ctx); err != nil {
			return
		}
		select {
		case <-in.Done():
		case <-ctx.Done():
		}
	}), Admission{}, sdpneg.SRTPRequired)
	peer := newSRTPPeer(t)
	trunk := siptest.NewPeer(t, "udp", nil)

	call := trunk.Invite(t, g.uri, peer.offer())
	if call.Err != nil {
		t.Fatalf("SRTP call refused: %v", call.Err)
	}
	defer call.Bye(t)
	if !call.Answer.Secure() || len(call.Answer.Crypto) != 1 || call.Answer.Crypto[0].Tag != 1 {
		t.Fatalf("answer is %s with crypto %+v, want RTP/SAVP with tag 1", call.Answer.Proto, call.Answer.Crypto)
	}
	if bytes.Equal(call.Answer.Crypto[0].Key, peer.key) {
		t.Fatal("the gateway answered with the caller's own key")
	}
	gw := net.UDPAddrFromAddrPort(netip.AddrPortFrom(call.Answer.Addr, call.Answer.Port))
	enc, dec := srtpContext(t, peer.key), srtpContext(t, call.Answer.Crypto[0].Key)

	forged := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1, SSRC: 7}, Payload: bytes.Repeat([]byte{0xEE}, 160)}
	raw, _ := forged.Marshal()
	peer.conn.WriteToUDP(append(raw, make([]byte, 10)...), gw) // a plain packet with a made-up tag

	buf := make([]byte, 1500)
	for i := range 5 {
		payload := bytes.Repeat([]byte{byte(i + 1)}, 160)
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(100 + i), Timestamp: uint32(160 * i), SSRC: 0x1234}, Payload: payload}
		plain, _ := pkt.Marshal()
		wire, err := enc.EncryptRTP(nil, plain, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(wire, payload[:16]) {
			t.Fatal("peer sent its payload in the clear")
		}
		if _, err := peer.conn.WriteToUDP(wire, gw); err != nil {
			t.Fatal(err)
		}
		if in := siptest.Recv(t, got, "decrypted packet at the handler"); !bytes.Equal(in, payload) {
			t.Fatalf("handler got %x…, want the peer's payload %x…", in[:4], payload[:4])
		}
		peer.conn.SetReadDeadline(time.Now().Add(testWait))
		n, _, err := peer.conn.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("no echo from the gateway: %v", err)
		}
		if bytes.Contains(buf[:n], payload[:16]) {
			t.Fatal("the gateway sent the payload in the clear")
		}
		echo, err := dec.DecryptRTP(nil, buf[:n], nil)
		if err != nil {
			t.Fatalf("the gateway's packet does not decrypt with its answer's key: %v", err)
		}
		var back rtp.Packet
		if err := back.Unmarshal(echo); err != nil || !bytes.Equal(back.Payload, payload) {
			t.Fatalf("echo payload %x…, want %x… (%v)", back.Payload[:4], payload[:4], err)
		}
	}
	select {
	case p := <-got:
		t.Fatalf("an extra packet reached the handler: %x…", p[:4])
	default:
	}
}

func TestSRTPPolicyRefusesWhatItMust(t *testing.T) {
	peer := newSRTPPeer(t)
	tests := []struct {
		name   string
		policy sdpneg.SRTP
		offer  string
	}{
		{"plain offer when SRTP is required", sdpneg.SRTPRequired, siptest.Offer(30000, "", siptest.PCMU)},
		{"SRTP offer when SRTP is off", sdpneg.SRTPOff, peer.offer()},
		{"SRTP offer without a usable key", sdpneg.SRTPOptional, strings.Replace(peer.offer(), "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := startGatewayWith(t, "udp", 1, handlerFunc(func(context.Context, *Inbound) {}), Admission{}, tt.policy)
			trunk := siptest.NewPeer(t, "udp", nil)
			if got := trunk.Invite(t, g.uri, tt.offer).FinalStatus(t); got != sip.StatusNotAcceptableHere {
				t.Fatalf("answered %d, want 488", got)
			}
			if n := g.pool.InUse(); n != 0 {
				t.Errorf("%d port pairs held after the refusal", n)
			}
		})
	}
}
