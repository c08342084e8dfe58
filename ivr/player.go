package ivr

import (
	"crypto/rand"
	"encoding/binary"

	"github.com/pion/rtp"

	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/sip/media"
)

// FrameSamples is one 20 ms frame at 8 kHz, the packetization the gateway sends.
const FrameSamples = 160

// Player sends 20 ms G.711 frames to a leg as one continuous RTP stream (own SSRC, sequence
// and timestamp, RFC 3550 §5.1), encoding into buffers it owns so sending allocates nothing.
// It is not safe for concurrent use; the pacing is its caller's.
type Player struct {
	ep     media.Leg
	law    g711.Law
	header rtp.Header
	pkt    []byte
}

// NewPlayer returns a player on ep sending law with payload type pt.
func NewPlayer(ep media.Leg, law g711.Law, pt uint8) *Player {
	var seed [10]byte
	_, _ = rand.Read(seed[:])
	return &Player{
		ep:  ep,
		law: law,
		header: rtp.Header{
			Version:     2,
			PayloadType: pt,
			// RFC 3550 §5.1: random initial sequence number and timestamp.
			SequenceNumber: binary.BigEndian.Uint16(seed[0:2]),
			Timestamp:      binary.BigEndian.Uint32(seed[2:6]),
			SSRC:           binary.BigEndian.Uint32(seed[6:10]),
			Marker:         true, // first packet of a talkspurt (RFC 3551 §4.1)
		},
		pkt: make([]byte, 12+FrameSamples),
	}
}

// Send encodes one frame of samples (FrameSamples long) and sends it.
func (p *Player) Send(samples []int16) error {
	n, err := p.header.MarshalTo(p.pkt)
	if err != nil {
		return err
	}
	p.law.Encode(p.pkt[n:n+FrameSamples], samples)
	err = p.ep.WriteRTP(p.pkt[:n+FrameSamples])
	p.header.Marker = false
	p.header.SequenceNumber++
	p.header.Timestamp += FrameSamples
	return err
}

// SendSilence sends one frame of silence, so the caller's stream stays continuous while the
// IVR waits (trunks and NATs drop calls whose media stops).
func (p *Player) SendSilence() error {
	var silence [FrameSamples]int16
	return p.Send(silence[:])
}
