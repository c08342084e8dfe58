package align

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// collect is a Sink keeping every emitted sample.
type collect struct{ l, r []int16 }

func (c *collect) WriteFrame(l, r []int16) error {
	if len(l) != SlotSamples || len(r) != SlotSamples {
		return fmt.Errorf("slot of %d/%d samples", len(l), len(r))
	}
	c.l, c.r = append(c.l, l...), append(c.r, r...)
	return nil
}

// tens reduces a channel to one value per 10 ms, failing if a 10 ms stretch is
// not constant (audio split across the wrong boundary).
func tens(t *testing.T, name string, x []int16) []int16 {
	t.Helper()
	var out []int16
	for i := 0; i < len(x); i += 80 {
		v := x[i]
		for j, s := range x[i : i+80] {
			if s != v {
				t.Fatalf("%s: 10 ms block %d mixes %d and %d (sample %d)", name, i/80, v, s, j)
			}
		}
		out = append(out, v)
	}
	return out
}

// pkt is one packet: n samples all of value val, arriving at ms.
type pkt struct {
	ch   int
	ssrc uint32
	ts   uint32
	n    int
	val  int16
	at   int
}

func caller(ts uint32, val int16, at int) pkt { return pkt{0, 0xCA11, ts, 160, val, at} }
func agent(ts uint32, val int16, at int) pkt  { return pkt{1, 0xA6E7, ts, 160, val, at} }

func TestAlignerPlacesPacketsOnTheTimeline(t *testing.T) {
	tests := []struct {
		name      string
		pkts      []pkt
		flushAt   int
		wantL     []int16 // one value per 10 ms
		wantR     []int16
		wantStats Stats // Packets and Slots are not compared
	}{
		{
			name:    "in order, both channels",
			pkts:    []pkt{caller(0, 1, 0), agent(5000, 7, 1), caller(160, 2, 20), agent(5160, 8, 21), caller(320, 3, 40)},
			flushAt: 60,
			wantL:   []int16{1, 1, 2, 2, 3, 3},
			wantR:   []int16{7, 7, 8, 8, 0, 0},
		},
		{
			name:    "jitter does not move audio",
			pkts:    []pkt{caller(0, 1, 5), caller(160, 2, 39), caller(320, 3, 41), caller(480, 4, 95)},
			flushAt: 80,
			wantL:   []int16{1, 1, 2, 2, 3, 3, 4, 4},
			wantR:   make([]int16, 8),
		},
		{
			name:    "reordered packets both land",
			pkts:    []pkt{caller(0, 1, 0), caller(320, 3, 40), caller(160, 2, 45)},
			flushAt: 60,
			wantL:   []int16{1, 1, 2, 2, 3, 3},
			wantR:   make([]int16, 6),
		},
		{
			name:    "lost packet is silence",
			pkts:    []pkt{caller(0, 1, 0), caller(320, 3, 40), agent(0, 5, 0), agent(160, 6, 20)},
			flushAt: 60,
			wantL:   []int16{1, 1, 0, 0, 3, 3},
			wantR:   []int16{5, 5, 6, 6, 0, 0},
		},
		{
			name: "packet after its slot was emitted is dropped",
			pkts: []pkt{
				caller(0, 1, 0), caller(320, 3, 40), caller(480, 4, 60), caller(640, 5, 80),
				caller(800, 6, 100), caller(160, 2, 101), // slot 1 was due at 40+60 ms
			},
			flushAt:   120,
			wantL:     []int16{1, 1, 0, 0, 3, 3, 4, 4, 5, 5, 6, 6},
			wantR:     make([]int16, 12),
			wantStats: Stats{Late: 1},
		},
		{
			name:      "duplicate is ignored",
			pkts:      []pkt{caller(0, 1, 0), caller(160, 2, 20), caller(160, 2, 25), caller(320, 3, 40)},
			flushAt:   60,
			wantL:     []int16{1, 1, 2, 2, 3, 3},
			wantR:     make([]int16, 6),
			wantStats: Stats{Duplicates: 1},
		},
		{
			name:    "timestamp wraps around 2^32",
			pkts:    []pkt{caller(1<<32-160, 1, 0), caller(0, 2, 20), caller(160, 3, 40)},
			flushAt: 60,
			wantL:   []int16{1, 1, 2, 2, 3, 3},
			wantR:   make([]int16, 6),
		},
		{
			name: "SSRC change re-anchors at arrival",
			pkts: []pkt{
				caller(1000, 1, 0), caller(1160, 2, 20),
				{0, 0xB0B, 999999, 160, 3, 60}, {0, 0xB0B, 999999 + 160, 160, 4, 80},
			},
			flushAt:   100,
			wantL:     []int16{1, 1, 2, 2, 0, 0, 3, 3, 4, 4},
			wantR:     make([]int16, 10),
			wantStats: Stats{Reanchors: 1},
		},
		{
			name:      "timestamp jump over a second re-anchors",
			pkts:      []pkt{caller(0, 1, 0), caller(16000, 2, 20), caller(16160, 3, 40)},
			flushAt:   60,
			wantL:     []int16{1, 1, 2, 2, 3, 3},
			wantR:     make([]int16, 6),
			wantStats: Stats{Reanchors: 1},
		},
		{
			name:      "timestamp jump back over a second re-anchors",
			pkts:      []pkt{caller(20000, 1, 0), caller(20160, 2, 20), caller(160, 3, 40)},
			flushAt:   60,
			wantL:     []int16{1, 1, 2, 2, 3, 3},
			wantR:     make([]int16, 6),
			wantStats: Stats{Reanchors: 1},
		},
		{
			name:    "timestamp gap under a second keeps timestamp placement",
			pkts:    []pkt{caller(0, 1, 0), caller(800, 2, 20)}, // 100 ms ahead in RTP time
			flushAt: 120,
			wantL:   []int16{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2},
			wantR:   make([]int16, 12),
		},
		{
			name:    "agent silent all along",
			pkts:    []pkt{caller(0, 1, 0), caller(160, 2, 20), caller(320, 3, 40)},
			flushAt: 60,
			wantL:   []int16{1, 1, 2, 2, 3, 3},
			wantR:   make([]int16, 6),
		},
		{
			name:    "caller silent all along, agent starts late",
			pkts:    []pkt{agent(77, 4, 45), agent(237, 5, 65)},
			flushAt: 80,
			wantL:   make([]int16, 8),
			wantR:   []int16{0, 0, 0, 0, 4, 4, 5, 5},
		},
		{
			name: "10 ms payloads",
			pkts: []pkt{
				{0, 1, 0, 80, 1, 0}, {0, 1, 80, 80, 2, 10}, {0, 1, 160, 80, 3, 20}, {0, 1, 240, 80, 4, 30},
			},
			flushAt: 40,
			wantL:   []int16{1, 2, 3, 4},
			wantR:   make([]int16, 4),
		},
		{
			name:    "30 ms payloads straddle slots",
			pkts:    []pkt{{0, 1, 0, 240, 1, 0}, {0, 1, 240, 240, 2, 30}, {1, 2, 9, 160, 9, 0}},
			flushAt: 60,
			wantL:   []int16{1, 1, 1, 2, 2, 2},
			wantR:   []int16{9, 9, 0, 0, 0, 0},
		},
		{
			name: "sender clock falling behind re-anchors at the first of repeated late packets and keeps them",
			pkts: []pkt{
				caller(0, 1, 0), caller(160, 2, 20),
				// Each later packet arrives 300 ms after its slot.
				caller(320, 3, 340), caller(480, 4, 360), caller(640, 5, 380), caller(800, 6, 400), caller(960, 7, 420),
				caller(1120, 8, 440),
			},
			flushAt: 460,
			// Packet 8 lies beyond the flush: audio after the end is not waited for.
			wantL:     append(append([]int16{1, 1, 2, 2}, make([]int16, 32)...), 3, 3, 4, 4, 5, 5, 6, 6, 7, 7),
			wantR:     make([]int16, 46),
			wantStats: Stats{Reanchors: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c collect
			a := New(t0, 0, &c)
			for _, p := range tt.pkts {
				s := make([]int16, p.n)
				for i := range s {
					s[i] = p.val
				}
				if err := a.Push(p.ch, p.ssrc, p.ts, s, ms(p.at)); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Flush(ms(tt.flushAt)); err != nil {
				t.Fatal(err)
			}
			if gotL := tens(t, "left", c.l); !slices.Equal(gotL, tt.wantL) {
				t.Errorf("left  = %v\nwant    %v", gotL, tt.wantL)
			}
			if gotR := tens(t, "right", c.r); !slices.Equal(gotR, tt.wantR) {
				t.Errorf("right = %v\nwant    %v", gotR, tt.wantR)
			}
			got := a.Stats()
			if got.Slots != int64(len(tt.wantL)/2) || got.Packets != int64(len(tt.pkts)) {
				t.Errorf("slots %d packets %d, want %d %d", got.Slots, got.Packets, len(tt.wantL)/2, len(tt.pkts))
			}
			got.Slots, got.Packets = 0, 0
			if got != tt.wantStats {
				t.Errorf("stats = %+v, want %+v", got, tt.wantStats)
			}
		})
	}
}

func TestSlotIsEmittedOnlyAfterTheJitterAllowance(t *testing.T) {
	var c collect
	a := New(t0, 60*time.Millisecond, &c)
	if err := a.Push(0, 1, 0, make([]int16, 160), ms(0)); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at    int
		slots int64
	}{{0, 0}, {79, 0}, {80, 1}, {99, 1}, {100, 2}, {1000, 47}, {900, 47}}
	for _, s := range steps {
		if err := a.Advance(ms(s.at)); err != nil {
			t.Fatal(err)
		}
		if got := a.Stats().Slots; got != s.slots {
			t.Errorf("after Advance(%d ms): %d slots, want %d", s.at, got, s.slots)
		}
	}
}

func TestFlushEmitsEverySlotThatBegan(t *testing.T) {
	for _, tt := range []struct {
		at    int
		slots int64
	}{{0, 0}, {1, 1}, {20, 1}, {21, 2}, {1000, 50}} {
		var c collect
		a := New(t0, 0, &c)
		if err := a.Flush(ms(tt.at)); err != nil {
			t.Fatal(err)
		}
		if got := a.Stats().Slots; got != tt.slots {
			t.Errorf("Flush(%d ms): %d slots, want %d", tt.at, got, tt.slots)
		}
	}
}

func TestLongCallStaysInStep(t *testing.T) {
	// Ten minutes of both channels with jitter up to 50 ms; nothing may be lost
	// and the ring must not grow.
	var c countSink
	a := New(t0, 0, &c)
	buf := make([]int16, 160)
	const n = 30000
	for i := range n {
		jit := (i * 37) % 50
		ts := uint32(0xFFFF0000 + i*160) // wraps on the way
		if err := a.Push(0, 1, ts, buf, ms(i*20+jit)); err != nil {
			t.Fatal(err)
		}
		if err := a.Push(1, 2, ts+12345, buf, ms(i*20+(jit*7)%50)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(ms(n * 20)); err != nil {
		t.Fatal(err)
	}
	s := a.Stats()
	if s.Slots != n || s.Late != 0 || s.Duplicates != 0 || s.Reanchors != 0 {
		t.Errorf("stats = %+v, want %d slots and nothing dropped", s, n)
	}
}

type countSink struct{ frames int }

func (c *countSink) WriteFrame(l, r []int16) error { c.frames++; return nil }
