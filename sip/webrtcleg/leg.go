package webrtcleg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
)

// gatherTimeout bounds the wait for the answer's candidates; with ICE-lite on one bound
// socket they are ready at once.
const gatherTimeout = 5 * time.Second

// Options are what every browser call shares.
type Options struct {
	// IP is media.ip: the only address put in ICE candidates.
	IP netip.Addr
	// Ports hands out the UDP port each call's ICE, DTLS and SRTP run on.
	Ports *media.PortPool
}

// Leg is one browser caller's media (media.Leg).
type Leg struct {
	pc      *webrtc.PeerConnection
	out     *track
	log     *slog.Logger
	release func()

	handler atomic.Pointer[media.PacketHandler]
	// Counters for the call's log line.
	PacketsIn, PacketsOut, Dropped atomic.Uint64

	mu     sync.Mutex // guards closed and readers.Add against Close
	closed bool
	// readers are the goroutines reading the browser's track and RTCP.
	readers sync.WaitGroup
	once    sync.Once
}

var _ media.Leg = (*Leg)(nil)

// New prepares the peer connection of one call for the codec choice (from the browser's
// offer): ICE-lite on one UDP port from the pool, host candidate media.ip only, no mDNS,
// no STUN or TURN (the gateway is reachable; the browser does the checks, RFC 8445 §2.5).
func New(opts Options, choice sdpneg.Choice, log *slog.Logger) (*Leg, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := mediaEngine(choice)
	if err != nil {
		return nil, err
	}
	conn, release, err := opts.Ports.OpenSocket()
	if err != nil {
		return nil, err
	}
	l := &Leg{log: log, release: release}
	var se webrtc.SettingEngine
	se.LoggerFactory = loggerFactory{log}
	se.SetLite(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(opts.IP.IsLoopback())
	network := webrtc.NetworkTypeUDP4
	if opts.IP.Is6() {
		network = webrtc.NetworkTypeUDP6
	}
	se.SetNetworkTypes([]webrtc.NetworkType{network})
	mux := webrtc.NewICEUDPMux(se.LoggerFactory.NewLogger("udpmux"), conn)
	// The mux is closed before the port goes back to the pool: it then knows it is
	// closing, and its reader ends without logging an error for the closed socket.
	free := release
	release = func() {
		_ = mux.Close()
		free()
	}
	l.release = release
	se.SetICEUDPMux(mux)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		release()
		return nil, fmt.Errorf("webrtcleg: peer connection: %w", err)
	}
	l.pc = pc
	pts := []uint8{choice.Audio.PayloadType}
	if choice.TelephoneEvent != nil {
		pts = append(pts, choice.TelephoneEvent.PayloadType)
	}
	l.out = newTrack(mimeType(choice.Audio.Name), pts...)
	sender, err := pc.AddTrack(l.out)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("webrtcleg: adding audio track: %w", err)
	}
	l.startReader(func() { l.drainRTCP(sender) })
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() == webrtc.RTPCodecTypeAudio {
			l.startReader(func() { l.readTrack(tr) })
		}
	})
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		log.Debug("webrtc ice state", "state", s.String())
	})
	return l, nil
}

// Answer sets the browser's offer (initial or re-offer) and returns the gateway's answer
// with its candidates complete and end-of-candidates (RFC 8838 §4.4): SIP carries one
// answer, so the gateway does not trickle. A trickled offer needs no candidates of the
// browser at all: the ICE-lite side learns the browser's address from its checks.
func (l *Leg) Answer(ctx context.Context, offer []byte) ([]byte, error) {
	if err := l.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
		return nil, fmt.Errorf("webrtcleg: browser offer: %w", err)
	}
	answer, err := l.pc.CreateAnswer(nil)
	if err != nil {
		return nil, fmt.Errorf("webrtcleg: creating answer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(l.pc)
	if err := l.pc.SetLocalDescription(answer); err != nil {
		return nil, fmt.Errorf("webrtcleg: setting answer: %w", err)
	}
	timer := time.NewTimer(gatherTimeout)
	defer timer.Stop()
	select {
	case <-gathered:
	case <-timer.C:
		return nil, ErrGathering
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return []byte(l.pc.LocalDescription().SDP), nil
}

// SetHandler changes who receives the browser's RTP packets; nil drops them.
func (l *Leg) SetHandler(h media.PacketHandler) {
	if h == nil {
		l.handler.Store(nil)
		return
	}
	l.handler.Store(&h)
}

// WriteRTP sends one RTP packet to the browser, SRTP-protected. Until DTLS is up, and for
// payload types the browser did not negotiate, the packet is dropped, not an error: the
// prompt starts playing while the browser may still be connecting.
func (l *Leg) WriteRTP(pkt []byte) error {
	sent, err := l.out.write(pkt)
	switch {
	case err != nil:
		return err
	case sent:
		l.PacketsOut.Add(1)
	default:
		l.Dropped.Add(1)
	}
	return nil
}

// Close ends the peer connection, waits for its readers and returns the port.
func (l *Leg) Close() {
	l.once.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		if err := l.pc.Close(); err != nil {
			l.log.Debug("closing peer connection", "error", err)
		}
		l.readers.Wait()
		l.release()
		l.log.Info("webrtc media closed", "packets_in", l.PacketsIn.Load(), "packets_out", l.PacketsOut.Load(), "dropped", l.Dropped.Load())
	})
}

func (l *Leg) startReader(run func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.readers.Add(1)
	go func() {
		defer l.readers.Done()
		run()
	}()
}

// readTrack hands the browser's decrypted RTP (audio and RTCDTMFSender's telephone-events
// on the same SSRC) to the leg's handler.
func (l *Leg) readTrack(tr *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	var h rtp.Header
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				l.log.Debug("browser track ended", "error", err)
			}
			return
		}
		pkt := buf[:n]
		payload, err := media.ParsePacket(pkt, &h)
		if err != nil {
			l.Dropped.Add(1)
			continue
		}
		l.PacketsIn.Add(1)
		if hp := l.handler.Load(); hp != nil {
			(*hp).HandleRTP(pkt, &h, payload)
		}
	}
}

// drainRTCP reads the browser's receiver reports so pion's buffers never fill; the
// gateway terminates RTCP on this leg.
func (l *Leg) drainRTCP(sender *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := sender.Read(buf); err != nil {
			return
		}
	}
}
