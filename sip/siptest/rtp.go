package siptest

import (
	"context"
	"errors"
	"math"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/consentgw/consentgw/ivr/dtmf"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/sip/sdpneg"
)

// G.711 at 8000 Hz in 20 ms packets (RFC 3551 §4.5.14, §4.2: the default packetization).
const (
	frameSamples  = 160
	frameInterval = 20 * time.Millisecond
	toneAmplitude = 8000 // about -12 dBFS: loud enough to be told apart, far from clipping
)

// RTP is one party's media: a loopback UDP socket that, once started, sends a G.711 tone
// every 20 ms to the address an SDP names, RFC 4733 digits in between, and counts the
// RTP it receives. It sends from the port it announces (symmetric RTP, RFC 4961), so a
// gateway that latches strictly takes its packets.
type RTP struct {
	conn     *net.UDPConn
	received atomic.Int64
	digits   chan byte

	mu   sync.Mutex
	stop context.CancelFunc
	done chan struct{}
}

// ListenRTP opens the socket on a loopback port the kernel picks; it closes when the
// test ends.
func ListenRTP(t testing.TB) *RTP {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("opening an RTP socket: %v", err)
	}
	r := &RTP{conn: conn, digits: make(chan byte, 8)}
	readDone := make(chan struct{})
	go r.read(readDone)
	t.Cleanup(func() {
		r.Stop()
		conn.Close()
		<-readDone
	})
	return r
}

// Port is the port to put in the SDP.
func (r *RTP) Port() int { return r.conn.LocalAddr().(*net.UDPAddr).Port }

// Received is how many RTP packets arrived so far.
func (r *RTP) Received() int64 { return r.received.Load() }

// WaitReceived waits until n RTP packets have arrived in all, or fails the test after
// Wait.
func (r *RTP) WaitReceived(t testing.TB, n int64, what string) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for r.received.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %d of %d RTP packets arrived", what, r.received.Load(), n)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not a synchronisation
	}
}

func (r *RTP) read(done chan<- struct{}) {
	defer close(done)
	buf := make([]byte, 1500)
	var p rtp.Header
	for {
		n, err := r.conn.Read(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue // ICMP port unreachable from a peer not yet listening
		}
		if _, err := p.Unmarshal(buf[:n]); err == nil && p.Version == 2 {
			r.received.Add(1)
		}
	}
}

// Start sends a tone of freq Hz to the audio address of sd, in the first G.711 format
// it lists; digits sent with SendDigit go as its telephone-event format.
func (r *RTP) Start(t testing.TB, sd *sdpneg.Description, freq float64) {
	t.Helper()
	s, err := newStream(sd, freq)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		t.Fatal("siptest: RTP started twice")
	}
	r.stop, r.done = cancel, make(chan struct{})
	go r.send(ctx, s)
}

// SendDigit queues an RFC 4733 DTMF event ('0'-'9', '*', '#', 'A'-'D') after the current
// packet.
func (r *RTP) SendDigit(d byte) { r.digits <- d }

// Stop ends the sending; the socket keeps counting what arrives.
func (r *RTP) Stop() {
	r.mu.Lock()
	stop, done := r.stop, r.done
	r.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

func (r *RTP) send(ctx context.Context, s *stream) {
	defer close(r.done)
	tick := time.NewTicker(frameInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-r.digits:
			for _, pkt := range s.digit(d) {
				if !r.write(ctx, tick, pkt, s.to) {
					return
				}
			}
		case <-tick.C:
			_, _ = r.conn.WriteToUDPAddrPort(s.audio(), s.to)
		}
	}
}

// write sends pkt at the next tick; false when ctx ended first.
func (r *RTP) write(ctx context.Context, tick *time.Ticker, pkt []byte, to netip.AddrPort) bool {
	select {
	case <-ctx.Done():
		return false
	case <-tick.C:
		_, _ = r.conn.WriteToUDPAddrPort(pkt, to)
		return true
	}
}

// stream is the state of one outgoing RTP stream: one SSRC, its sequence numbers and
// sample clock, the tone's phase.
type stream struct {
	to        netip.AddrPort
	law       g711.Law
	audioPT   uint8
	eventPT   uint8
	hasEvents bool
	step      float64 // phase advance per sample
	phase     float64
	hdr       rtp.Header
}

func newStream(sd *sdpneg.Description, freq float64) (*stream, error) {
	s := &stream{
		to:   netip.AddrPortFrom(sd.Addr, sd.Port),
		step: 2 * math.Pi * freq / 8000,
		hdr:  rtp.Header{Version: 2, SSRC: uint32(time.Now().UnixNano()), SequenceNumber: 1},
	}
	found := false
	for _, f := range sd.Formats {
		switch {
		case !found && f.Is(sdpneg.NamePCMU, 8000):
			s.law, s.audioPT, found = g711.ULaw, f.PayloadType, true
		case !found && f.Is(sdpneg.NamePCMA, 8000):
			s.law, s.audioPT, found = g711.ALaw, f.PayloadType, true
		case f.Is(sdpneg.NameTelephoneEvent, 8000):
			s.eventPT, s.hasEvents = f.PayloadType, true
		}
	}
	if !found {
		return nil, errors.New("siptest: the SDP lists no PCMU or PCMA format")
	}
	return s, nil
}

// audio is the next 20 ms of the tone.
func (s *stream) audio() []byte {
	samples := make([]int16, frameSamples)
	for i := range samples {
		samples[i] = int16(toneAmplitude * math.Sin(s.phase))
		s.phase += s.step
	}
	payload := make([]byte, frameSamples)
	s.law.Encode(payload, samples)
	return s.packet(s.audioPT, false, payload, frameSamples)
}

// digit is one RFC 4733 event of 100 ms, all from one timestamp with a growing
// duration, the first packet with the marker bit (§2.5.1.2), the end packet sent three
// times (§2.5.1.4). Without a negotiated telephone-event format it is nothing.
func (s *stream) digit(d byte) [][]byte {
	if !s.hasEvents {
		return nil
	}
	code, ok := dtmf.DigitEvent(d)
	if !ok {
		return nil
	}
	const steps, volume = 5, 10
	var pkts [][]byte
	for i := 1; i <= steps+2; i++ {
		n := min(i, steps)
		end := i >= steps
		payload := []byte{code, volume, byte(n * frameSamples >> 8), byte(n * frameSamples)}
		if end {
			payload[1] |= 0x80
		}
		pkts = append(pkts, s.packet(s.eventPT, i == 1, payload, 0))
	}
	s.hdr.Timestamp += steps * frameSamples // the event's time, taken from the audio
	return pkts
}

// packet marshals one RTP packet and advances the clock by samples.
func (s *stream) packet(pt uint8, marker bool, payload []byte, samples uint32) []byte {
	p := rtp.Packet{Header: s.hdr, Payload: payload}
	p.PayloadType, p.Marker = pt, marker
	b, _ := p.Marshal() // only fails on a CSRC or extension overflow, never set here
	s.hdr.SequenceNumber++
	s.hdr.Timestamp += samples
	return b
}
