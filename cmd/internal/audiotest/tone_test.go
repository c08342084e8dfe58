package audiotest

import (
	"math"
	"testing"
	"time"
)

const rate = 8000

// sine synthesises amplitude·sin(2πft) (amplitude as a fraction of full scale).
func sine(freq, amplitude float64, d time.Duration) []int16 {
	n := durationSamples(d, rate)
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(math.Round(amplitude * 32767 * math.Sin(2*math.Pi*freq*float64(i)/rate)))
	}
	return out
}

func mix(parts ...[]int16) []int16 {
	out := make([]int16, len(parts[0]))
	for _, p := range parts {
		for i := range out {
			out[i] += p[i]
		}
	}
	return out
}

func TestTonePowerMatchesTheSinesMeanPower(t *testing.T) {
	tests := []struct {
		name      string
		samples   []int16
		freq      float64
		wantPower float64
	}{
		{"440 Hz at -12 dBFS", sine(440, 0.25, time.Second), 440, 0.25 * 0.25 / 2},
		{"1000 Hz at -6 dBFS", sine(1000, 0.5, 500*time.Millisecond), 1000, 0.5 * 0.5 / 2},
		{"other tone absent", sine(440, 0.25, time.Second), 1000, 0},
		{"silence", make([]int16, 8000), 440, 0},
		{"empty", nil, 440, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TonePower(tt.samples, tt.freq, rate)
			if math.Abs(got-tt.wantPower) > 0.02*tt.wantPower+1e-5 {
				t.Errorf("TonePower = %g, want about %g", got, tt.wantPower)
			}
		})
	}
}

func TestDominantTonePicksTheStrongestCandidate(t *testing.T) {
	tests := []struct {
		name     string
		samples  []int16
		want     float64
		minRatio float64
	}{
		{"caller tone", sine(440, 0.25, time.Second), 440, 100},
		{"agent tone", sine(1000, 0.25, time.Second), 1000, 100},
		{"louder of two", mix(sine(440, 0.1, time.Second), sine(1000, 0.3, time.Second)), 1000, 5},
		{"silence", make([]int16, 800), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			freq, ratio := DominantTone(tt.samples, rate, 440, 1000)
			if freq != tt.want {
				t.Fatalf("DominantTone = %v Hz (ratio %g), want %v Hz", freq, ratio, tt.want)
			}
			if ratio < tt.minRatio {
				t.Errorf("ratio %g, want at least %g", ratio, tt.minRatio)
			}
		})
	}
}

func TestDominantToneEdgeCases(t *testing.T) {
	s := sine(440, 0.25, time.Second)
	if f, r := DominantTone(s, rate); f != 0 || r != 0 {
		t.Errorf("no candidates = %v, %v; want 0, 0", f, r)
	}
	if f, r := DominantTone(s, rate, 440); f != 440 || !math.IsInf(r, 1) {
		t.Errorf("one candidate = %v, %v; want 440, +Inf", f, r)
	}
}

func TestRMS(t *testing.T) {
	tests := []struct {
		name    string
		samples []int16
		want    float64
	}{
		{"sine -12 dBFS", sine(440, 0.25, time.Second), 0.25 / math.Sqrt2},
		{"silence", make([]int16, 100), 0},
		{"empty", nil, 0},
		{"full-scale square", []int16{-32768, -32768}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RMS(tt.samples); math.Abs(got-tt.want) > 1e-3 {
				t.Errorf("RMS = %g, want %g", got, tt.want)
			}
		})
	}
}

func TestWindowClampsToTheSamples(t *testing.T) {
	s := make([]int16, 8000) // 1 s
	tests := []struct {
		name          string
		start, length time.Duration
		want          int
	}{
		{"inside", 250 * time.Millisecond, 500 * time.Millisecond, 4000},
		{"past the end", 900 * time.Millisecond, time.Second, 800},
		{"after the end", 2 * time.Second, time.Second, 0},
		{"negative start", -time.Second, 1500 * time.Millisecond, 4000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(Window(s, rate, tt.start, tt.length)); got != tt.want {
				t.Errorf("len(Window) = %d, want %d", got, tt.want)
			}
		})
	}
}
