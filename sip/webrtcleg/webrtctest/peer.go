// Package webrtctest is a browser stand-in for tests: a pion peer that offers what a
// browser offers (UDP/TLS/RTP/SAVPF, DTLS, PCMU and telephone-event), sends a tone and
// RFC 4733 digits the way RTCDTMFSender does, and keeps what it hears.
package webrtctest

import (
	"encoding/binary"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/consentgw/consentgw/sip/g711"
)

// Payload types the peer offers, as Chrome numbers telephone-event/8000.
const (
	AudioPT = 0
	EventPT = 126
)

// Peer is one browser-like WebRTC endpoint on loopback.
type Peer struct {
	pc        *webrtc.PeerConnection
	out       *rawTrack
	connected chan struct{}
	digits    chan byte
	stop      chan struct{}
	wg        sync.WaitGroup

	mu    sync.Mutex
	heard []int16 // decoded audio received, capped
	// EventsHeard counts telephone-event packets received.
	eventsHeard int
}

// New starts a peer with host candidates on 127.0.0.1 only.
func New(t testing.TB) *Peer {
	t.Helper()
	m := &webrtc.MediaEngine{}
	must(t, m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: AudioPT}, webrtc.RTPCodecTypeAudio))
	must(t, m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 8000, SDPFmtpLine: "0-16"}, PayloadType: EventPT}, webrtc.RTPCodecTypeAudio))
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	must(t, err)
	p := &Peer{pc: pc, out: &rawTrack{}, connected: make(chan struct{}), digits: make(chan byte, 4), stop: make(chan struct{})}
	_, err = pc.AddTrack(p.out)
	must(t, err)
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(p.connected) })
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		p.wg.Add(1)
		go p.listen(tr)
	})
	t.Cleanup(p.Close)
	return p
}

// Offer returns the peer's SDP offer. complete waits for its candidates and
// end-of-candidates, as JsSIP and SIP.js do; otherwise the offer goes out as a trickling
// browser's would before gathering, without candidates.
func (p *Peer) Offer(t testing.TB, complete bool) []byte {
	t.Helper()
	offer, err := p.pc.CreateOffer(nil)
	must(t, err)
	gathered := webrtc.GatheringCompletePromise(p.pc)
	must(t, p.pc.SetLocalDescription(offer))
	if !complete {
		return []byte(offer.SDP)
	}
	select {
	case <-gathered:
	case <-time.After(10 * time.Second):
		t.Fatal("peer: candidates not gathered in 10 s")
	}
	return []byte(p.pc.LocalDescription().SDP)
}

// Accept sets the gateway's answer.
func (p *Peer) Accept(t testing.TB, answer []byte) {
	t.Helper()
	must(t, p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}))
}

// WaitConnected waits for ICE and DTLS to be up.
func (p *Peer) WaitConnected(t testing.TB, timeout time.Duration) {
	t.Helper()
	select {
	case <-p.connected:
	case <-time.After(timeout):
		t.Fatalf("peer not connected after %v (state %s)", timeout, p.pc.ConnectionState())
	}
}

// StartTone sends a continuous sine of freq Hz in 20 ms PCMU frames until Close;
// SendDigit interrupts it for a digit as RTCDTMFSender does.
func (p *Peer) StartTone(freq float64) {
	p.wg.Add(1)
	go p.send(freq)
}

// SendDigit sends one RFC 4733 digit (0-9) in the audio stream.
func (p *Peer) SendDigit(d byte) { p.digits <- d }

// Heard returns the audio received so far.
func (p *Peer) Heard() []int16 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int16(nil), p.heard...)
}

// Close ends the peer.
func (p *Peer) Close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	_ = p.pc.Close()
	p.wg.Wait()
}

func (p *Peer) send(freq float64) {
	defer p.wg.Done()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	h := rtp.Header{Version: 2, PayloadType: AudioPT, SequenceNumber: 1000, Timestamp: 50000, Marker: true}
	samples := make([]int16, 160)
	payload := make([]byte, 160)
	var n int
	// One frame per tick, at most ten minutes' worth.
	for range 30000 {
		select {
		case <-p.stop:
			return
		case d := <-p.digits:
			p.sendDigit(&h, d, tick)
			continue
		case <-tick.C:
		}
		for i := range samples {
			samples[i] = int16(8000 * math.Sin(2*math.Pi*freq*float64(n)/8000))
			n++
		}
		g711.ULaw.Encode(payload, samples)
		p.out.write(&h, payload)
		h.Marker = false
		h.SequenceNumber++
		h.Timestamp += 160
	}
}

// sendDigit sends 100 ms of one event (RFC 4733 §2.5): one timestamp for the event, the
// duration growing each packet, the end packet three times (§2.5.1.3).
func (p *Peer) sendDigit(h *rtp.Header, d byte, tick *time.Ticker) {
	ev := d - '0'
	payload := make([]byte, 4)
	start := h.Timestamp
	eh := *h
	eh.PayloadType = EventPT
	eh.Marker = true
	for i := 1; i <= 8; i++ {
		<-tick.C
		end := i >= 6
		dur := min(i, 5) * 160
		payload[0] = ev
		payload[1] = 10
		if end {
			payload[1] |= 0x80
		}
		binary.BigEndian.PutUint16(payload[2:], uint16(dur))
		eh.Timestamp = start
		p.out.write(&eh, payload)
		eh.Marker = false
		eh.SequenceNumber++
	}
	h.SequenceNumber = eh.SequenceNumber
	h.Timestamp = start + 5*160
	h.Marker = true
}

func (p *Peer) listen(tr *webrtc.TrackRemote) {
	defer p.wg.Done()
	buf := make([]byte, 1500)
	samples := make([]int16, 1500)
	var h rtp.Header
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		hl, err := h.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		p.mu.Lock()
		switch h.PayloadType {
		case AudioPT:
			if len(p.heard) < 8000*120 {
				k := g711.ULaw.Decode(samples, buf[hl:n])
				p.heard = append(p.heard, samples[:k]...)
			}
		case EventPT:
			p.eventsHeard++
		}
		p.mu.Unlock()
	}
}

// rawTrack writes packets with the payload type they carry, under the negotiated SSRC.
type rawTrack struct {
	mu     sync.Mutex
	writer webrtc.TrackLocalWriter
	ssrc   uint32
}

func (r *rawTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, webrtc.MimeTypePCMU) {
			r.mu.Lock()
			r.writer, r.ssrc = ctx.WriteStream(), uint32(ctx.SSRC())
			r.mu.Unlock()
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

func (r *rawTrack) Unbind(webrtc.TrackLocalContext) error {
	r.mu.Lock()
	r.writer = nil
	r.mu.Unlock()
	return nil
}

func (r *rawTrack) ID() string                { return "mic" }
func (r *rawTrack) RID() string               { return "" }
func (r *rawTrack) StreamID() string          { return "browser" }
func (r *rawTrack) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }

func (r *rawTrack) write(h *rtp.Header, payload []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.writer == nil {
		return
	}
	h.SSRC = r.ssrc
	_, _ = r.writer.WriteRTP(h, payload)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
