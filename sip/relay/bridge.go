// Package relay bridges the two anchored legs of a call: every RTP packet from one leg is
// sent on the other leg unchanged (no transcoding: both legs negotiated the same G.711
// law), telephone-events are passed through with their payload type mapped, RTCP is
// relayed, and, while the caller consents, audio is tapped into the recorder.
package relay

import (
	"sync/atomic"

	"github.com/pion/rtp"

	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/sip/media"
)

// Leg is one side of the bridge: its media endpoint and the payload types it negotiated.
type Leg struct {
	Endpoint media.Leg
	AudioPT  uint8
	// EventPT is the telephone-event payload type (RFC 4733 §7.1.1), 0 when not negotiated.
	EventPT uint8
}

// EventTap sees the caller's telephone-event payloads (RFC 4733) as they pass through,
// e.g. to find a withdraw sequence. It runs on the caller leg's reader goroutine: it must
// not block and must not keep payload.
type EventTap func(rtpTimestamp uint32, payload []byte)

// AudioTap sees the caller's audio payloads (G.711) as they pass through, e.g. to find
// in-band DTMF. Same rules as EventTap.
type AudioTap func(payload []byte)

// Bridge relays media between the caller leg and the agent leg.
type Bridge struct {
	caller, agent Leg
	rec           atomic.Pointer[recorder.Recorder]
	tap           atomic.Pointer[EventTap]
	audioTap      atomic.Pointer[AudioTap]
	// agentMuted drops the agent's audio to the caller while the gateway itself speaks to
	// the caller (a confirmation prompt); the agent still hears the caller.
	agentMuted atomic.Bool
	// Forwarded and Dropped count packets per bridge, for the call's log line at the end.
	Forwarded, Dropped atomic.Uint64
}

// New returns a bridge between caller and agent; Start begins relaying.
func New(caller, agent Leg) *Bridge {
	return &Bridge{caller: caller, agent: agent}
}

// Start takes over both legs' packets and RTCP.
func (b *Bridge) Start() {
	b.caller.Endpoint.SetHandler(&direction{b: b, from: b.caller, to: b.agent, side: recorder.Caller})
	b.agent.Endpoint.SetHandler(&direction{b: b, from: b.agent, to: b.caller, side: recorder.Agent})
	b.relayRTCP(true)
}

// Stop ends relaying; the endpoints stay open for their owner to close.
func (b *Bridge) Stop() {
	b.caller.Endpoint.SetHandler(nil)
	b.agent.Endpoint.SetHandler(nil)
	b.relayRTCP(false)
}

// relayRTCP passes RTCP between two plain RTP legs. A WebRTC leg terminates its own
// (SRTCP inside DTLS-SRTP, RFC 5764), so there is nothing to pass on either way.
func (b *Bridge) relayRTCP(on bool) {
	c, ok1 := b.caller.Endpoint.(*media.Endpoint)
	a, ok2 := b.agent.Endpoint.(*media.Endpoint)
	if !ok1 || !ok2 {
		return
	}
	if on {
		c.RelayRTCPTo(a)
		a.RelayRTCPTo(c)
		return
	}
	c.RelayRTCPTo(nil)
	a.RelayRTCPTo(nil)
}

// SetRecorder starts (r != nil) or stops (nil) tapping audio into a recorder. The packet
// path only copies the payload into the recorder's queue, it never waits for the disk.
func (b *Bridge) SetRecorder(r *recorder.Recorder) { b.rec.Store(r) }

// SetCallerEventTap installs (nil removes) the tap on the caller's telephone-events.
func (b *Bridge) SetCallerEventTap(t EventTap) {
	if t == nil {
		b.tap.Store(nil)
		return
	}
	b.tap.Store(&t)
}

// SetCallerAudioTap installs (nil removes) the tap on the caller's audio.
func (b *Bridge) SetCallerAudioTap(t AudioTap) {
	if t == nil {
		b.audioTap.Store(nil)
		return
	}
	b.audioTap.Store(&t)
}

// MuteAgent stops (true) or restarts (false) relaying the agent's audio to the caller.
func (b *Bridge) MuteAgent(muted bool) { b.agentMuted.Store(muted) }

type direction struct {
	b        *Bridge
	from, to Leg
	side     recorder.Channel
}

func (d *direction) HandleRTP(pkt []byte, h *rtp.Header, payload []byte) {
	switch {
	case h.PayloadType == d.from.AudioPT:
		if rec := d.b.rec.Load(); rec != nil {
			rec.Write(d.side, h.SSRC, h.Timestamp, payload)
		}
		if d.side == recorder.Caller {
			if tap := d.b.audioTap.Load(); tap != nil {
				(*tap)(payload)
			}
		} else if d.b.agentMuted.Load() {
			return
		}
	case d.from.EventPT != 0 && h.PayloadType == d.from.EventPT:
		if d.side == recorder.Caller {
			if tap := d.b.tap.Load(); tap != nil {
				(*tap)(h.Timestamp, payload)
			}
		}
		if d.to.EventPT == 0 {
			d.b.Dropped.Add(1) // the other side cannot receive telephone-events
			return
		}
		// Keep the marker bit, swap the payload type (RFC 3550 §5.1 second octet).
		pkt[1] = pkt[1]&0x80 | d.to.EventPT
	default:
		d.b.Dropped.Add(1) // a payload type nobody negotiated (comfort noise etc.)
		return
	}
	if d.to.Endpoint.WriteRTP(pkt) == nil {
		d.b.Forwarded.Add(1)
	}
}
