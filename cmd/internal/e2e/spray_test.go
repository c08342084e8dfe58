package e2e

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/consentgw/consentgw/cmd/internal/audiotest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/sip/testports"
)

// An off-path host on the gateway's network sprays every port of the media range with
// a caller's "1" (RFC 4733 events and the in-band DTMF tone) and RTCP, from before the
// INVITE to after the BYE (issue 13 §1, the "RTP bleed" of CVE-2017-14099). The call is
// decided by the caller alone, the recording holds only the caller and the agent, and
// nothing of the call goes back to the attacker.
func TestMediaSprayFromAnotherHostNeitherForgesConsentNorGetsAudio(t *testing.T) {
	sipptest.RequireSIPp(t)
	cases := []struct {
		name     string
		digit    string
		decision consent.Decision
	}{
		{"caller presses 2", "2", consent.DecisionDeclined},
		{"caller presses 1", "1", consent.DecisionGranted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recorded := tc.decision == consent.DecisionGranted
			header := map[bool]string{true: "granted", false: "declined"}[recorded]
			agent := startAgent(t, "agent.xml", pcmu, header, nil)
			// A range of its own (sip/testports), so the spray reaches no other test's media.
			portMin := testports.Block(t, testports.UDP, 2*sprayedPairs)
			portMax := portMin + 2*sprayedPairs - 1
			gw := gatewaytest.Start(t, func(c *config.Config) {
				c.Routes[0].RecordTarget = "sip:agents@" + agent.Addr()
				c.Routes[0].NorecordTarget = "sip:agents@" + agent.Addr()
				c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
				c.Media.PortMin, c.Media.PortMax = portMin, portMax
			})

			attacker := startSpray(t, "127.0.0.2", "127.0.0.1", portMin, portMax)
			attacker.waitRounds(t, 25) // half a second of spray before the INVITE

			caller := sipptest.Start(t, sipptest.Options{
				Scenario: "caller_rfc4733.xml", Remote: gw.Addr(), Timeout: waitLimit,
				Keys: callerKeys(pcmu, "", map[string]string{
					"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "300",
					"dtmf_pcap": sipptest.DTMFPcap(tc.digit), "hold": "2000",
				}),
			})
			mustSucceed(t, "caller", caller)
			mustSucceed(t, "agent", agent)
			gw.WaitIdle(t, waitLimit)
			if recorded {
				gw.WaitArchived(t, "recording", 1, waitLimit)
			} else {
				gw.WaitArchived(t, "receipt", 1, waitLimit)
			}
			sent, back := attacker.stop()

			r := onlyReceipt(t, gw)
			if r.Decision != tc.decision || r.Method != consent.MethodRFC4733 || r.Digit != tc.digit {
				t.Errorf("receipt says %s by %s (%q), want %s by rfc4733 (%q): the attacker's digit counted",
					r.Decision, r.Method, r.Digit, tc.decision, tc.digit)
			}
			if back != 0 {
				t.Errorf("the attacker received %d packets of the call (it sent %d)", back, sent)
			}
			if recorded {
				if r.Recording == nil {
					t.Fatal("granted call's receipt names no recording")
				}
				assertNoSprayHeard(t, gw.RecordingWAV(t, *r.Recording))
			} else {
				assertNoAudioWritten(t, gw)
			}
			page := gw.Metrics(t)
			if n := gatewaytest.MetricValue(page, `consentgw_media_rejected_total{reason="unexpected_source"}`); n == 0 {
				t.Errorf("no media counted as rejected from an unexpected source, after %d sprayed packets", sent)
			}
		})
	}
}

// sprayedPairs is the media range of the sprayed gateway: small enough that the spray
// reaches every port the call can be given, however they are picked.
const sprayedPairs = 16

// DTMF "1" (ITU-T Q.23): the attacker's in-band digit.
const dtmfLow1, dtmfHigh1 = 697.0, 1209.0

// assertNoSprayHeard checks a recording by what it sounds like: the caller's tone on the
// left and the agent's on the right, and the attacker's DTMF tone on neither.
func assertNoSprayHeard(t *testing.T, path string) {
	t.Helper()
	assertWAVChannels(t, path)
	channels, rate, err := audiotest.ReadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, own := range []float64{callerTone, agentTone} {
		if got, _ := audiotest.DominantTone(channels[i], rate, own, dtmfLow1, dtmfHigh1); got != own {
			t.Errorf("channel %d: the attacker's %v Hz is louder than the party's own %v Hz", i, got, own)
		}
	}
}

// spray is the attacker: every 20 ms it sends each even port of the range an RTP packet
// of its own stream, alternately the DTMF "1" tone as PCMU and the RFC 4733 event for
// "1" (payload type 101, as the callers offer it), and each odd port an RTCP receiver
// report. It counts what comes back.
type spray struct {
	conn       *net.UDPConn
	cancel     context.CancelFunc
	done       chan struct{}
	rounds     atomic.Int64
	sent, back atomic.Int64
}

func startSpray(t *testing.T, from, to string, portMin, portMax int) *spray {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(from)})
	if err != nil {
		t.Fatalf("attacker socket on %s: %v", from, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitLimit) // bounded if the test stalls
	s := &spray{conn: conn, cancel: cancel, done: make(chan struct{})}
	go s.receive()
	go s.send(ctx, net.ParseIP(to), portMin, portMax)
	t.Cleanup(func() { s.stop() })
	return s
}

func (s *spray) send(ctx context.Context, to net.IP, portMin, portMax int) {
	defer close(s.done)
	tone := dtmfTone()
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: rand.Uint32()}}
	rr := []byte{0x80, 201, 0, 1, 0, 0, 0, 0} // RTCP RR without report blocks (RFC 3550 §6.4.2)
	binary.BigEndian.PutUint32(rr[4:], pkt.SSRC)
	var eventStart uint32
	for round := 0; ; round++ {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		pkt.SequenceNumber++
		pkt.Timestamp += 160
		if round%2 == 0 {
			pkt.PayloadType, pkt.Marker, pkt.Payload = 0, false, tone[(round/2)%len(tone)]
		} else {
			// One event per 200 ms, its last packet with the E bit (RFC 4733 §2.3).
			if round%10 == 1 {
				eventStart = pkt.Timestamp
			}
			end := round%10 == 9
			pkt.PayloadType, pkt.Marker = 101, round%10 == 1
			pkt.Timestamp = eventStart
			pkt.Payload = telephoneEvent(1, end, uint16(160*(round%10)))
		}
		b, _ := pkt.Marshal()
		for port := portMin; port <= portMax; port++ {
			msg := b
			if port%2 == 1 {
				msg = rr
			}
			if _, err := s.conn.WriteToUDP(msg, &net.UDPAddr{IP: to, Port: port}); err == nil {
				s.sent.Add(1)
			}
		}
		s.rounds.Add(1)
	}
}

func (s *spray) receive() {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.conn.ReadFromUDP(buf); err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // ICMP port unreachable from a port nobody holds
		}
		s.back.Add(1)
	}
}

// waitRounds waits until the attacker has sprayed n rounds.
func (s *spray) waitRounds(t *testing.T, n int64) {
	t.Helper()
	waitFor(t, 10*time.Second, "the spray", func() bool { return s.rounds.Load() >= n })
}

// stop ends the spray and reports how many packets it sent and how many came back.
func (s *spray) stop() (sent, back int64) {
	s.cancel()
	<-s.done
	s.conn.Close()
	return s.sent.Load(), s.back.Load()
}

// dtmfTone is the DTMF "1" (697 + 1209 Hz) as 20 ms PCMU payloads, a whole number of
// periods of neither, so the tone runs on across packets well enough for a detector.
func dtmfTone() [][]byte {
	const packets = 50 // one second
	out := make([][]byte, packets)
	for i := range out {
		pcm := make([]int16, 160)
		for j := range pcm {
			n := float64(i*160 + j)
			pcm[j] = int16(7000*math.Sin(2*math.Pi*dtmfLow1*n/8000) + 7000*math.Sin(2*math.Pi*dtmfHigh1*n/8000))
		}
		out[i] = make([]byte, 160)
		g711.ULaw.Encode(out[i], pcm)
	}
	return out
}

// telephoneEvent is an RFC 4733 §2.3 payload: event, E bit and volume 10, duration.
func telephoneEvent(event byte, end bool, duration uint16) []byte {
	b := []byte{event, 10, 0, 0}
	if end {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], duration)
	return b
}
