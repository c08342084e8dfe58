package recorder

import (
	"testing"
	"time"

	"github.com/consentgw/consentgw/sip/g711"
)

// A pause keeps the timeline: audio written while paused, a DTMF tone included, becomes
// silence in place, and audio after the resume lands where it was spoken.
func TestPausedAudioIsSilenceInPlace(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r, clk, path := startClocked(t, g711.ULaw, t0)
	// One second of the caller's tone, 20 ms packets; paused from 200 ms to 600 ms,
	// while the caller keys a card digit (697 Hz + 1209 Hz is DTMF 1).
	for i := range 50 {
		at := time.Duration(i) * 20 * time.Millisecond
		switch at {
		case 200 * time.Millisecond:
			r.SetPaused(true)
		case 600 * time.Millisecond:
			r.SetPaused(false)
		}
		clk.Set(t0.Add(at))
		freq := 440.0
		if r.paused.Load() {
			freq = 697 // the tone's low group is enough to tell it apart
		}
		r.Write(Caller, 1, uint32(i*160), tone20ms(g711.ULaw, i, freq))
		r.Write(Agent, 2, uint32(i*160), tone20ms(g711.ULaw, i, 1000))
		settle(t, r)
	}
	clk.Set(t0.Add(time.Second))
	if _, err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	left, right := readStereo(t, path)
	if len(left) != 8000 {
		t.Fatalf("%d frames, want 8000: the pause must not shorten the timeline", len(left))
	}
	for _, ch := range [][]int16{left, right} {
		for i := 1600; i < 4800; i++ {
			if ch[i] != 0 {
				t.Fatalf("sample %d = %d while paused, want silence", i, ch[i])
			}
		}
		if silent(ch[800:1600]) || silent(ch[4800:8000]) {
			t.Fatal("audio around the pause is missing")
		}
	}
}

func silent(x []int16) bool {
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}
