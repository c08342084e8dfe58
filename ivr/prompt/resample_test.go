package prompt

import (
	"math"
	"testing"
)

func resampleTone(inRate int, freq float64, seconds float64) []int16 {
	x := sineFloats(int(seconds*float64(inRate)), float64(inRate), freq, 0.5)
	in := make([]float32, len(x))
	for i, v := range x {
		in[i] = float32(v)
	}
	return resample(in, inRate, SampleRate)
}

func TestResampleKeepsTelephoneBandTones(t *testing.T) {
	tests := []struct {
		inRate int
		freq   float64
	}{
		{48000, 1000},
		{44100, 1000},
		{22050, 440},
		{16000, 3000},
		{11025, 2000},
		{6000, 1000}, // upsampling
		{8000, 1000}, // pass-through
		{12345, 1000},
	}
	for _, tt := range tests {
		out := resampleTone(tt.inRate, tt.freq, 1)
		if want := SampleRate; math.Abs(float64(len(out)-want)) > 1 {
			t.Errorf("%d Hz: %d samples, want about %d", tt.inRate, len(out), want)
		}
		// Skip the filter's edge transients.
		mid := out[400 : len(out)-400]
		p := goertzelPower(mid, SampleRate, tt.freq)
		want := 0.5 * 0.5 / 4
		if g := dB(p / want); math.Abs(g) > 0.5 {
			t.Errorf("%d Hz: %.0f Hz tone gain %.2f dB, want about 0", tt.inRate, tt.freq, g)
		}
		for _, off := range []float64{-300, 300} {
			if q := goertzelPower(mid, SampleRate, tt.freq+off); dB(q/p) > -30 {
				t.Errorf("%d Hz: energy at %.0f Hz only %.1f dB below the tone", tt.inRate, tt.freq+off, dB(q/p))
			}
		}
	}
}

func TestResampleRemovesTonesAboveFourKilohertz(t *testing.T) {
	ref := 0.5 * 0.5 / 4
	for _, tt := range []struct {
		inRate int
		freq   float64
	}{{48000, 6000}, {44100, 6000}, {48000, 4500}, {16000, 7000}} {
		out := resampleTone(tt.inRate, tt.freq, 1)
		mid := out[400 : len(out)-400]
		// Naive decimation folds freq to |freq - 8000|; that alias must be gone, and
		// so must any energy at all.
		alias := math.Abs(tt.freq - SampleRate)
		if g := dB(goertzelPower(mid, SampleRate, alias) / ref); g > -60 {
			t.Errorf("%d Hz: %.0f Hz tone aliases to %.0f Hz at %.1f dB, want below -60", tt.inRate, tt.freq, alias, g)
		}
		var energy float64
		for _, v := range mid {
			energy += float64(v) * float64(v)
		}
		rms := math.Sqrt(energy/float64(len(mid))) / 32768
		if g := 20 * math.Log10(rms/(0.5/math.Sqrt2)+1e-12); g > -60 {
			t.Errorf("%d Hz: %.0f Hz tone leaves %.1f dB of its level, want below -60", tt.inRate, tt.freq, g)
		}
	}
}

func TestResampleClampsInsteadOfWrapping(t *testing.T) {
	in := []float32{2, -2, 0.5}
	out := resample(in, SampleRate, SampleRate)
	want := []int16{math.MaxInt16, math.MinInt16, 16384}
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("sample %d = %d, want %d", i, out[i], want[i])
		}
	}
}
