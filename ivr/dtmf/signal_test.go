package dtmf

import (
	"math"
	"math/rand/v2"
)

// Test signal generation: everything the in-band tests feed the detector is
// built here from fixed seeds, at 8 kHz.

func msToSamples(ms float64) int { return int(ms * sampleRate / 1000) }

func amplitudeDBm0(dbm0 float64) float64 { return zeroDBm0Amplitude * math.Pow(10, dbm0/20) }

// keyFreqs returns the Q.23 row and column frequencies of a key.
func keyFreqs(key byte) (row, col float64) {
	for r := range keypad {
		for c := range keypad[r] {
			if keypad[r][c] == key {
				return dtmfFreqs[r], dtmfFreqs[4+c]
			}
		}
	}
	panic("not a DTMF key: " + string(key))
}

// signal is audio under construction, in float samples.
type signal []float64

func (s signal) silence(ms float64) signal { return append(s, make([]float64, msToSamples(ms))...) }

// tones appends the sum of sines of the given frequencies and levels (dBm0
// per tone); phases are offset so the peaks do not line up.
func (s signal) tones(ms float64, freqs []float64, levels []float64) signal {
	n := msToSamples(ms)
	out := make([]float64, n)
	for k, f := range freqs {
		a := amplitudeDBm0(levels[k])
		w := 2 * math.Pi * f / sampleRate
		phase := 0.7 * float64(k+1)
		for i := range out {
			out[i] += a * math.Sin(w*float64(i)+phase)
		}
	}
	return append(s, out...)
}

// key appends a DTMF key with per-tone levels for the row and column.
func (s signal) key(key byte, ms, rowDBm0, colDBm0 float64) signal {
	r, c := keyFreqs(key)
	return s.tones(ms, []float64{r, c}, []float64{rowDBm0, colDBm0})
}

// noise adds white Gaussian noise of the given RMS over the whole signal.
func (s signal) noise(seed uint64, rms float64) signal {
	rng := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	for i := range s {
		s[i] += rng.NormFloat64() * rms
	}
	return s
}

// noiseRMSForSNR is the noise RMS that sits snrDB below two tones of
// dbm0 each.
func noiseRMSForSNR(dbm0, snrDB float64) float64 {
	a := amplitudeDBm0(dbm0)
	signalPower := a * a // two tones of a²/2 each
	return math.Sqrt(signalPower / math.Pow(10, snrDB/10))
}

// pcm saturates to 16-bit samples as a real converter would.
func (s signal) pcm() []int16 {
	out := make([]int16, len(s))
	for i, v := range s {
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out
}

// chirp appends a linear sweep from f0 to f1 Hz.
func (s signal) chirp(ms, f0, f1, dbm0 float64) signal {
	n := msToSamples(ms)
	a := amplitudeDBm0(dbm0)
	phase := 0.0
	for i := range n {
		f := f0 + (f1-f0)*float64(i)/float64(n)
		phase += 2 * math.Pi * f / sampleRate
		s = append(s, a*math.Sin(phase))
	}
	return s
}

// speechLike appends a voiced-speech imitation: a fundamental gliding
// between about 90 and 250 Hz, all its harmonics up to 3.4 kHz with a
// falling spectrum and two moving formant peaks, and a 4 Hz syllabic envelope
// with short pauses.
func (s signal) speechLike(seed uint64, ms, dbm0 float64) signal {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := msToSamples(ms)
	a := amplitudeDBm0(dbm0)
	phases := make([]float64, 40)
	for i := range phases {
		phases[i] = rng.Float64() * 2 * math.Pi
	}
	drift := rng.Float64() * 2 * math.Pi
	for i := range n {
		t := float64(i) / sampleRate
		f0 := 160 + 70*math.Sin(2*math.Pi*0.7*t+drift) + 15*math.Sin(2*math.Pi*5.3*t)
		f1 := 500 + 300*math.Sin(2*math.Pi*1.9*t)  // first formant
		f2 := 1500 + 600*math.Sin(2*math.Pi*1.3*t) // second formant
		env := math.Max(0, math.Sin(2*math.Pi*4*t+drift))
		var v float64
		for h := range phases {
			fh := f0 * float64(h+1)
			if fh > 3400 {
				break
			}
			phases[h] += 2 * math.Pi * fh / sampleRate
			g := 1/float64(h+1) + 2*math.Exp(-sq((fh-f1)/150)) + 1.5*math.Exp(-sq((fh-f2)/200))
			v += g * math.Sin(phases[h])
		}
		s = append(s, a*0.3*env*v)
	}
	return s
}

func sq(x float64) float64 { return x * x }

// chord appends musical notes (Hz) with their 2nd and 3rd harmonics at -6
// and -12 dB, the level given per note.
func (s signal) chord(ms float64, notes []float64, dbm0 float64) signal {
	var freqs, levels []float64
	for _, f := range notes {
		freqs = append(freqs, f, 2*f, 3*f)
		levels = append(levels, dbm0, dbm0-6, dbm0-12)
	}
	return s.tones(ms, freqs, levels)
}

// feed runs samples through d in chunks of the given size (0: all at once)
// and returns every key reported, including any still pending afterwards.
func feed(d *InbandDetector, samples []int16, chunk int) string {
	if chunk <= 0 {
		chunk = max(len(samples), 1)
	}
	var got []byte
	for len(samples) > 0 {
		n := min(chunk, len(samples))
		if k, ok := d.Process(samples[:n]); ok {
			got = append(got, k)
		}
		samples = samples[n:]
	}
	for {
		k, ok := d.Process(nil)
		if !ok {
			break
		}
		got = append(got, k)
	}
	return string(got)
}
