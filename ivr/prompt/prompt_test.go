package prompt

import (
	"slices"
	"testing"
	"time"
)

func TestFramesCutPromptIntoZeroPaddedTwentyMillisecondFrames(t *testing.T) {
	tests := []struct {
		name       string
		samples    int
		wantFrames int
		wantDur    time.Duration
	}{
		{"empty", 0, 0, 0},
		{"one sample", 1, 1, 125 * time.Microsecond},
		{"exactly one frame", 160, 1, 20 * time.Millisecond},
		{"one frame and a bit", 161, 2, 20*time.Millisecond + 125*time.Microsecond},
		{"one second", 8000, 50, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Prompt{Samples: make([]int16, tt.samples)}
			for i := range p.Samples {
				p.Samples[i] = int16(i + 1)
			}
			if got := p.FrameCount(); got != tt.wantFrames {
				t.Errorf("FrameCount = %d, want %d", got, tt.wantFrames)
			}
			if got := p.Duration(); got != tt.wantDur {
				t.Errorf("Duration = %v, want %v", got, tt.wantDur)
			}
			var all []int16
			dst := make([]int16, FrameSamples)
			for i := range p.FrameCount() {
				for j := range dst {
					dst[j] = -1 // stale contents must be overwritten
				}
				p.Frame(i, dst)
				all = append(all, dst...)
			}
			if !slices.Equal(all[:tt.samples], p.Samples) {
				t.Errorf("frames do not reproduce the samples")
			}
			for i, v := range all[tt.samples:] {
				if v != 0 {
					t.Fatalf("padding sample %d = %d, want 0", i, v)
				}
			}
		})
	}
}

func TestFrameOutOfRangeIsSilence(t *testing.T) {
	p := &Prompt{Samples: []int16{1, 2, 3}}
	dst := []int16{9, 9, 9}
	for _, i := range []int{-1, 1, 100} {
		p.Frame(i, dst)
		if !slices.Equal(dst, []int16{0, 0, 0}) {
			t.Errorf("Frame(%d) = %v, want silence", i, dst)
		}
	}
}
