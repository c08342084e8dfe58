package prompt

import "math"

// goertzelPower returns the power of freq in x, normalised so a full-scale sine
// gives about 0.25 (amplitude²/4).
func goertzelPower(x []int16, rate, freq float64) float64 {
	coeff := 2 * math.Cos(2*math.Pi*freq/rate)
	var s1, s2 float64
	for _, v := range x {
		s := float64(v)/32768 + coeff*s1 - s2
		s2, s1 = s1, s
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	n := float64(len(x))
	return p / (n * n)
}

// sineFloats is a sine of amplitude amp (of full scale) at freq Hz.
func sineFloats(n int, rate, freq, amp float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = amp * math.Sin(2*math.Pi*freq*float64(i)/rate)
	}
	return out
}

func dB(ratio float64) float64 { return 10 * math.Log10(ratio) }
