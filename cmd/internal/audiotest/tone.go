package audiotest

import (
	"math"
	"time"
)

// fullScale converts int16 samples to fractions of full scale.
const fullScale = 32768.0

// TonePower measures the power of one frequency in samples with the Goertzel
// algorithm, normalised by length and to full scale: a sine of amplitude A
// (as a fraction of full scale) at freq gives about A²/2, its mean power, so
// the result compares directly with RMS(samples)². Silence or an empty slice
// gives 0.
func TonePower(samples []int16, freq float64, rate int) float64 {
	n := len(samples)
	if n == 0 || rate <= 0 {
		return 0
	}
	coeff := 2 * math.Cos(2*math.Pi*freq/float64(rate))
	var s1, s2 float64
	for _, v := range samples {
		s0 := float64(v)/fullScale + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	// |X(f)|² of the N-point sum; |X| ≈ A·N/2 for a sine of amplitude A.
	mag2 := s1*s1 + s2*s2 - coeff*s1*s2
	return 2 * mag2 / (float64(n) * float64(n))
}

// DominantTone returns the candidate frequency with the most power in samples
// and how many times stronger it is than the next strongest candidate
// (+Inf when that one has no power or there is a single candidate). It returns
// 0, 0 when there are no candidates or none has any power.
func DominantTone(samples []int16, rate int, candidates ...float64) (freq float64, ratio float64) {
	best, second := -1.0, 0.0
	for _, f := range candidates {
		p := TonePower(samples, f, rate)
		switch {
		case p > best:
			if best > second {
				second = best
			}
			best, freq = p, f
		case p > second:
			second = p
		}
	}
	if best <= 0 {
		return 0, 0
	}
	if second <= 0 {
		return freq, math.Inf(1)
	}
	return freq, best / second
}

// RMS is the root mean square of samples as a fraction of full scale
// (a full-scale sine gives about 0.707). An empty slice gives 0.
func RMS(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, v := range samples {
		x := float64(v) / fullScale
		sum += x * x
	}
	return math.Sqrt(sum / float64(len(samples)))
}

// Window returns the samples from start for length, clamped to the slice, so
// tests can measure one part of a recording (after the prompt, say).
func Window(samples []int16, rate int, start, length time.Duration) []int16 {
	from := durationSamples(start, rate)
	to := from + durationSamples(length, rate)
	from = min(max(from, 0), len(samples))
	to = min(max(to, from), len(samples))
	return samples[from:to]
}

func durationSamples(d time.Duration, rate int) int {
	return int(d.Seconds() * float64(rate))
}
