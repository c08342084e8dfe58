package prompt

import "math"

// Windowed-sinc resampler. A low-pass below the lower of the two Nyquist
// frequencies is applied while interpolating, so tones above 4 kHz in a 44.1 kHz
// prompt are removed instead of folding back into the telephone band.
const (
	// halfTaps is the filter half-length counted in samples of the lower rate; 32
	// gives a transition band of about 700 Hz at 8 kHz.
	halfTaps = 32
	// cutoffRatio puts the -6 dB point at 45 % of the lower rate (3.6 kHz for
	// 8 kHz), leaving the 300–3400 Hz telephone band flat.
	cutoffRatio = 0.45
	// kaiserBeta gives about 85 dB of stop-band attenuation.
	kaiserBeta = 8.6
	// maxPhases bounds the filter table for rate pairs with no small common
	// divisor; in between phases are interpolated linearly.
	maxPhases = 512
)

// resample converts in (at inRate) to outRate, rounding and clamping to int16.
func resample(in []float32, inRate, outRate int) []int16 {
	if inRate == outRate {
		out := make([]int16, len(in))
		for i, v := range in {
			out[i] = toInt16(float64(v))
		}
		return out
	}
	g := gcd(inRate, outRate)
	up, down := int64(outRate/g), int64(inRate/g) // output n sits at input n*down/up
	phases := int(min(up, maxPhases))
	lower := min(inRate, outRate)
	k := int(math.Ceil(float64(halfTaps) * float64(inRate) / float64(lower)))
	tab := newFilterTable(phases, k, 2*cutoffRatio*float64(lower)/float64(inRate))

	nOut := (int64(len(in))*up + down - 1) / down
	out := make([]int16, nOut)
	taps := 2 * k
	for n := range nOut {
		pos := n * down
		i := int(pos / up)
		pi, w := int(pos%up), 0.0
		if int64(phases) != up {
			ph := float64(pos%up) / float64(up) * float64(phases)
			pi = int(ph)
			w = ph - float64(pi)
		}
		row := tab.row(pi)
		var next []float64
		if w != 0 {
			next = tab.row(pi + 1)
		}
		first := i - k + 1 // input index of tap 0
		lo, hi := max(0, -first), min(taps, len(in)-first)
		var acc float64
		for t := lo; t < hi; t++ {
			c := row[t]
			if w != 0 {
				c += w * (next[t] - c)
			}
			acc += c * float64(in[first+t])
		}
		out[n] = toInt16(acc)
	}
	return out
}

// filterTable holds phases+1 rows of 2k taps: row p is the kernel for an output
// point p/phases of an input sample after input index i, tap t weighting input
// i-k+1+t. Rows are built on first use, so a short prompt at an odd rate does not
// pay for the whole table.
type filterTable struct {
	rows   [][]float64
	phases int
	k      int
	fc     float64 // cutoff as a fraction of the input Nyquist frequency
	i0b    float64
}

func newFilterTable(phases, k int, fc float64) *filterTable {
	return &filterTable{rows: make([][]float64, phases+1), phases: phases, k: k, fc: fc, i0b: besselI0(kaiserBeta)}
}

func (f *filterTable) row(p int) []float64 {
	if r := f.rows[p]; r != nil {
		return r
	}
	frac := float64(p) / float64(f.phases)
	row := make([]float64, 2*f.k)
	var sum float64
	for t := range row {
		x := frac + float64(f.k-1-t) // distance from the output point, in input samples
		r := x / float64(f.k)
		if r <= -1 || r >= 1 {
			continue
		}
		h := f.fc * sinc(f.fc*x) * besselI0(kaiserBeta*math.Sqrt(1-r*r)) / f.i0b
		row[t] = h
		sum += h
	}
	// Normalise each phase so DC passes at exactly unit gain.
	if sum != 0 {
		for t := range row {
			row[t] /= sum
		}
	}
	f.rows[p] = row
	return row
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind, by its
// power series (converges fast for the window's arguments ≤ β).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for m := 1; m < 50; m++ {
		term *= q / float64(m*m)
		sum += term
		if term < sum*1e-16 {
			break
		}
	}
	return sum
}

func toInt16(v float64) int16 {
	s := math.Round(v * 32768)
	switch {
	case s > math.MaxInt16:
		return math.MaxInt16
	case s < math.MinInt16:
		return math.MinInt16
	}
	return int16(s)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
