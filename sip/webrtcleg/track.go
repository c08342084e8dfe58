package webrtcleg

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// frameSamples is the RTP timestamp step of one 20 ms G.711 frame.
const frameSamples = 160

// track is the gateway's audio towards the browser. It writes packets as they come (the
// prompt player's, then the agent's) under the one SSRC the browser was told, with a
// continuous sequence and timestamp: the browser's jitter buffer sees one stream, not a
// jump each time the source changes (RFC 3550 §5.1, §8.2). Unlike pion's static tracks it
// keeps the payload type, so telephone-events pass next to the audio.
type track struct {
	mime    string
	allowed map[uint8]bool // payload types negotiated with the browser

	mu      sync.Mutex
	writer  webrtc.TrackLocalWriter
	ssrc    uint32
	srcSSRC uint32
	started bool
	seq     uint16
	lastTS  uint32
	offset  uint32
	header  rtp.Header
}

func newTrack(mime string, pts ...uint8) *track {
	t := &track{mime: mime, allowed: map[uint8]bool{}}
	for _, pt := range pts {
		t.allowed[pt] = true
	}
	var seed [2]byte
	_, _ = rand.Read(seed[:])
	t.seq = binary.BigEndian.Uint16(seed[:]) // RFC 3550 §5.1: random initial sequence
	return t
}

// Bind picks the negotiated audio codec once the answer is set (webrtc.TrackLocal).
func (t *track) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, t.mime) {
			t.mu.Lock()
			t.writer, t.ssrc = ctx.WriteStream(), uint32(ctx.SSRC())
			t.mu.Unlock()
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

// Unbind stops writing (webrtc.TrackLocal).
func (t *track) Unbind(webrtc.TrackLocalContext) error {
	t.mu.Lock()
	t.writer = nil
	t.mu.Unlock()
	return nil
}

func (t *track) ID() string                { return "audio" }
func (t *track) RID() string               { return "" }
func (t *track) StreamID() string          { return "consentgw" }
func (t *track) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }

// write sends one RTP packet; it reports false when the packet was dropped: DTLS not up
// yet, or a payload type the browser did not negotiate.
func (t *track) write(pkt []byte) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := &t.header
	n, err := h.Unmarshal(pkt)
	if err != nil {
		return false, err
	}
	if t.writer == nil || !t.allowed[h.PayloadType] {
		return false, nil
	}
	switch {
	case !t.started:
		t.started, t.srcSSRC = true, h.SSRC
	case h.SSRC != t.srcSSRC:
		// A new source: continue one frame after the last timestamp sent, and mark the
		// start of a talkspurt (RFC 3551 §4.1).
		t.srcSSRC = h.SSRC
		t.offset = t.lastTS + frameSamples - h.Timestamp
		h.Marker = true
	}
	h.Timestamp += t.offset
	t.lastTS = h.Timestamp
	t.seq++
	h.SequenceNumber = t.seq
	h.SSRC = t.ssrc
	h.CSRC = nil
	h.Extension, h.Extensions = false, nil
	_, err = t.writer.WriteRTP(h, pkt[n:])
	return err == nil, err
}
