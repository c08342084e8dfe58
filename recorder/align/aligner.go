// Package align places the two channels' RTP audio on one timeline of 20 ms
// stereo slots, so the recording keeps caller and agent in step and writes
// silence where no packet arrived. It is pure logic: time comes in as arguments,
// so tests drive it with made-up clocks.
package align

import "time"

const (
	// SlotSamples is one 20 ms slot at 8000 Hz.
	SlotSamples = 160
	// SlotDuration is the wall-clock length of a slot.
	SlotDuration = 20 * time.Millisecond

	// ringSlots bounds memory (about 40 KiB) and how far ahead of the wall clock
	// audio can be buffered.
	ringSlots = 64
	// maxAhead is how far (in slots) a packet's timestamp may place it beyond its
	// arrival before the stream is treated as discontinuous: 500 ms, which leaves
	// the rest of the ring to wait for late packets (MaxJitter).
	maxAhead = 25
	// jumpSamples is the RTP timestamp step, either way, treated as a new stream
	// (RFC 3550 §5.1: the timestamp may jump after a source restarts).
	jumpSamples = 8000
	// maxPacketSlots is the longest payload placed: 60 ms.
	maxPacketSlots = 3
	// lateReanchor consecutive late packets mean the sender's clock has drifted
	// behind ours (or restarted slightly backwards); re-anchoring beats dropping
	// the rest of the call.
	lateReanchor = 5
	// unitSamples is the granularity of duplicate detection: 1 ms.
	unitSamples = 8

	// DefaultJitter is how long past its end a slot waits for late packets.
	DefaultJitter = 60 * time.Millisecond
	// MaxJitter keeps the jitter window inside the ring next to maxAhead.
	// A packet then never reaches past the ring: arrival is at most MaxJitter plus
	// one slot ahead of the next slot to emit, its position at most maxAhead past
	// its arrival, and its length at most maxPacketSlots.
	MaxJitter = (ringSlots - maxAhead - maxPacketSlots - 2) * SlotDuration
)

// Sink receives the emitted slots in order; wavfile.Writer is one.
type Sink interface {
	WriteFrame(left, right []int16) error
}

// Stats counts what the aligner did with the packets it got.
type Stats struct {
	Packets    int64 // packets pushed
	Late       int64 // packets (or parts) whose slot was already emitted: dropped
	Duplicates int64 // packets whose samples were all already placed: ignored
	Reanchors  int64 // anchors after the first of each channel
	Slots      int64 // slots emitted
}

type slot struct {
	pcm  [2][SlotSamples]int16
	mask [2]uint32 // 1 ms units already written, per channel
}

// stream is one channel's anchoring state.
type stream struct {
	anchored  bool
	ssrc      uint32
	anchorPos int64 // sample position of anchorTS on the timeline
	anchorExt int64 // extended timestamp at the anchor
	maxExt    int64 // highest extended timestamp seen
	late      int   // consecutive late packets
}

// heldPacket is a late packet kept until it is clear whether the sender's clock
// drifted (then it is placed after the re-anchor) or one packet was delayed (dropped).
type heldPacket struct {
	ext     int64
	n       int
	samples [maxPacketSlots * SlotSamples]int16
}

// Aligner is not safe for concurrent use; one goroutine owns it.
type Aligner struct {
	start  time.Time
	jitter time.Duration
	sink   Sink
	ring   [ringSlots]slot
	next   int64 // next slot to emit
	ch     [2]stream
	held   [2][lateReanchor - 1]heldPacket // late packets of each channel, st.late of them
	stats  Stats
}

// New starts a timeline at start (slot 0 begins there). jitter ≤ 0 means
// DefaultJitter; it is capped at MaxJitter.
func New(start time.Time, jitter time.Duration, sink Sink) *Aligner {
	if jitter <= 0 {
		jitter = DefaultJitter
	}
	return &Aligner{start: start, jitter: min(jitter, MaxJitter), sink: sink}
}

// Stats returns the counters so far.
func (a *Aligner) Stats() Stats { return a.stats }

// slotAt is the slot in progress at wall-clock t.
func (a *Aligner) slotAt(t time.Time) int64 {
	d := t.Sub(a.start)
	if d < 0 {
		return 0
	}
	return int64(d / SlotDuration)
}

// Advance emits every slot whose end plus the jitter allowance has passed at now.
func (a *Aligner) Advance(now time.Time) error {
	return a.emitBefore(a.slotAt(now.Add(-a.jitter)))
}

// Flush emits every slot that began before now, for the end of a recording:
// no more packets are waited for. Audio buffered beyond now is dropped.
func (a *Aligner) Flush(now time.Time) error {
	a.dropHeld(0)
	a.dropHeld(1)
	d := now.Sub(a.start)
	end := int64((d + SlotDuration - 1) / SlotDuration) // slots that began before now
	return a.emitBefore(end)
}

func (a *Aligner) emitBefore(end int64) error {
	for a.next < end {
		s := &a.ring[a.next%ringSlots]
		if err := a.sink.WriteFrame(s.pcm[0][:], s.pcm[1][:]); err != nil {
			return err
		}
		*s = slot{}
		a.next++
		a.stats.Slots++
	}
	return nil
}

// Push places one packet's decoded samples (up to 60 ms; G.711 peers send 10, 20
// or 30 ms, longer packets are ignored) of channel ch (0 = left, 1 = right) that
// arrived at arrival. Slots due by then are emitted first. The error is the
// sink's.
func (a *Aligner) Push(ch int, ssrc, ts uint32, samples []int16, arrival time.Time) error {
	if err := a.Advance(arrival); err != nil {
		return err
	}
	if ch < 0 || ch > 1 || len(samples) == 0 || len(samples) > maxPacketSlots*SlotSamples {
		return nil
	}
	a.stats.Packets++
	st := &a.ch[ch]
	arrSlot := a.slotAt(arrival)
	ext := st.extend(ts)
	switch {
	case !st.anchored:
		a.anchor(ch, ssrc, ext, arrSlot)
	case ssrc != st.ssrc, ext-st.maxExt > jumpSamples, st.maxExt-ext > jumpSamples:
		a.anchor(ch, ssrc, ext, arrSlot)
	}
	pos := st.anchorPos + ext - st.anchorExt
	if pos/SlotSamples > arrSlot+maxAhead {
		// The timestamps run ahead of the wall clock (a fast sender clock or a
		// jump just under the limit): the ring cannot hold that far.
		a.anchor(ch, ssrc, ext, arrSlot)
		pos = st.anchorPos
	}
	if pos+int64(len(samples)) <= a.next*SlotSamples {
		if st.late < lateReanchor-1 {
			h := &a.held[ch][st.late]
			h.ext, h.n = ext, copy(h.samples[:], samples)
			st.late++
			return nil
		}
		// The sender's clock fell behind ours: anchor the stream again at its first
		// late packet and place the held ones after it, so the drift costs a moment of
		// silence instead of the audio.
		held := a.held[ch][:st.late]
		first := held[0].ext
		a.anchor(ch, ssrc, first, a.next)
		for i := range held {
			a.place(ch, st.anchorPos+held[i].ext-first, held[i].samples[:held[i].n])
		}
		st.maxExt = max(st.maxExt, ext)
		a.place(ch, st.anchorPos+ext-first, samples)
		return nil
	}
	a.dropHeld(ch) // one delayed burst, not a drifting clock
	st.maxExt = max(st.maxExt, ext)
	a.place(ch, pos, samples)
	return nil
}

// dropHeld gives up the held late packets of ch: they stay lost.
func (a *Aligner) dropHeld(ch int) {
	a.stats.Late += int64(a.ch[ch].late)
	a.ch[ch].late = 0
}

// anchor ties extended timestamp ext to the start of slot s (or the next slot
// still open, if s was emitted already) for channel ch.
func (a *Aligner) anchor(ch int, ssrc uint32, ext, s int64) {
	s = max(s, a.next)
	st := &a.ch[ch]
	if st.late > 0 && ext != a.held[ch][0].ext {
		a.dropHeld(ch) // a new stream, not the held packets' re-anchor
	}
	if st.anchored {
		a.stats.Reanchors++
	}
	*st = stream{anchored: true, ssrc: ssrc, anchorPos: s * SlotSamples, anchorExt: ext, maxExt: ext}
	// Audio of the old stream ahead of the new anchor is overwritten by the new
	// one; forget it was there so the new packets are not taken for duplicates.
	for i := s; i < a.next+ringSlots; i++ {
		a.ring[i%ringSlots].mask[ch] = 0
	}
}

// place writes samples at timeline position pos, skipping parts in slots
// already emitted.
func (a *Aligner) place(ch int, pos int64, samples []int16) {
	if first := a.next * SlotSamples; pos < first {
		a.stats.Late++ // the head of the packet missed its slot
		samples = samples[first-pos:]
		pos = first
	}
	dup := true
	for len(samples) > 0 {
		idx := pos / SlotSamples
		if idx >= a.next+ringSlots {
			break // unreachable given maxAhead; never write over a pending slot
		}
		s := &a.ring[idx%ringSlots]
		off := int(pos % SlotSamples)
		n := copy(s.pcm[ch][off:], samples)
		// Mark the 1 ms units that start inside [off, off+n).
		for u := (off + unitSamples - 1) / unitSamples; u*unitSamples < off+n; u++ {
			if s.mask[ch]&(1<<u) == 0 {
				dup = false
				s.mask[ch] |= 1 << u
			}
		}
		samples = samples[n:]
		pos += int64(n)
	}
	if dup {
		a.stats.Duplicates++
	}
}

// extend unwraps a 32-bit RTP timestamp against the highest one seen
// (RFC 3550 §5.1: timestamps wrap modulo 2^32).
func (st *stream) extend(ts uint32) int64 {
	if !st.anchored {
		return int64(ts)
	}
	return st.maxExt + int64(int32(ts-uint32(st.maxExt)))
}
