package dtmf

import "math"

// In-band DTMF detection (ITU-T Q.23 frequencies, Q.24 receiver limits) on
// 8 kHz 16-bit mono audio with Goertzel filters at the DTMF frequencies.
//
// Audio is cut into blocks of 160 samples (20 ms, one G.711 packet). Each
// block is tested on its own; a key is reported once it has been found in
// hitsToReport consecutive blocks, and must then be missing from missesToEnd
// consecutive blocks before a new press is reported. A second-harmonic check
// is left out: with 20 ms blocks the harmonics of the low group fall within a
// bin of the high group, and the energy-ratio test already rejects speech.
const (
	sampleRate = 8000
	blockSize  = 160 // 20 ms: bins are 50 Hz wide, narrower than the 73 Hz row spacing

	hitsToReport = 2 // ≥ 40 ms of tone, the Q.24 minimum duration to accept
	missesToEnd  = 2 // ≥ 40 ms of pause, the Q.24 minimum interdigit pause

	// zeroDBm0Amplitude is the peak of a 0 dBm0 sine in 16-bit linear PCM:
	// G.711's largest sine is +3.17 dBm0 (µ-law) at full scale.
	zeroDBm0Amplitude = 22656.0

	// minToneDBm0 is the weakest tone accepted, per frequency. Q.24
	// receivers must accept about -25 dBm0 per tone; the margin lets a
	// block that the tone covers only partly still count.
	minToneDBm0 = -32.0

	// Twist is the level difference between the high (column) and low (row)
	// group. Q.24 allows the low group up to 8 dB above the high group
	// ("normal" twist, as lines attenuate high frequencies) and the high
	// group up to 4 dB above the low group ("reverse" twist).
	maxLowOverHighDB = 8.0
	maxHighOverLowDB = 4.0

	// minDominanceDB is how much the strongest row (column) must exceed every
	// other row (column). A clean tone leaks at most about -13 dB into the
	// neighbouring bin.
	minDominanceDB = 8.0

	// minToneRatio is the share of the block's energy that the row and column
	// tones must hold. Clean DTMF holds nearly all of it, and a 50 ms key
	// still about 0.7 of a block it covers by three quarters; speech and music
	// spread their energy over many frequencies.
	minToneRatio = 0.65

	// pendingMax bounds the keys kept when one Process call completes more
	// presses than it can return.
	pendingMax = 8
)

// dtmfFreqs are the Q.23 row (low group) then column (high group) frequencies.
var dtmfFreqs = [8]float64{697, 770, 852, 941, 1209, 1336, 1477, 1633}

// filterOffsets place three filters around each frequency, and a tone's power
// is the largest of the three: one 20 ms filter is only 50 Hz wide, so a key
// 1.5% off (the Q.24 tolerance, 24 Hz at 1633 Hz) would lose 4 dB in it.
var filterOffsets = [3]float64{-0.01, 0, 0.01}

// nfilters is a multiple of 4, as accumulate requires.
const nfilters = len(dtmfFreqs) * len(filterOffsets)

// keypad is indexed by [row][column].
var keypad = [4][4]byte{
	{'1', '2', '3', 'A'},
	{'4', '5', '6', 'B'},
	{'7', '8', '9', 'C'},
	{'*', '0', '#', 'D'},
}

// InbandDetector finds DTMF key presses in 8 kHz 16-bit mono audio. It is not
// safe for concurrent use; each call has its own.
type InbandDetector struct {
	coef [nfilters]float64 // Goertzel 2·cos(2πf/fs) for each filter of the bank

	// Running Goertzel state and energy of the current block.
	s1, s2 [nfilters]float64
	energy float64
	n      int

	// Thresholds: powers in squared sample units, the rest as ratios.
	minPower, lowOverHigh, highOverLow, dominance, minRatio float64

	candidate byte // key found in the last block, 0 for none
	hits      int  // consecutive blocks with candidate
	current   byte // reported key whose tone has not ended yet
	misses    int  // consecutive blocks without current

	pending  [pendingMax]byte
	npending int
}

// NewInbandDetector returns a detector ready for the first sample.
func NewInbandDetector() *InbandDetector {
	d := &InbandDetector{
		minPower:    tonePowerDBm0(minToneDBm0),
		lowOverHigh: dbToPower(maxLowOverHighDB),
		highOverLow: dbToPower(maxHighOverLowDB),
		dominance:   dbToPower(minDominanceDB),
		minRatio:    minToneRatio,
	}
	for i, f := range dtmfFreqs {
		for j, off := range filterOffsets {
			d.coef[i*len(filterOffsets)+j] = 2 * math.Cos(2*math.Pi*f*(1+off)/sampleRate)
		}
	}
	return d
}

func dbToPower(db float64) float64 { return math.Pow(10, db/10) }

// tonePowerDBm0 is the mean power of a sine at the given level.
func tonePowerDBm0(dbm0 float64) float64 {
	a := zeroDBm0Amplitude * math.Pow(10, dbm0/20)
	return a * a / 2
}

// Process feeds samples of any length and returns a key when a press is
// recognised. Presses are reported in order; if one call completes more than
// one, the rest are returned by the following calls.
func (d *InbandDetector) Process(samples []int16) (digit byte, ok bool) {
	for len(samples) > 0 {
		seg := samples[:min(len(samples), blockSize-d.n)]
		samples = samples[len(seg):]
		d.accumulate(seg)
		if d.n < blockSize {
			break
		}
		if key, found := d.endBlock(); found && d.npending < pendingMax {
			d.pending[d.npending] = key
			d.npending++
		}
	}
	if d.npending == 0 {
		return 0, false
	}
	digit = d.pending[0]
	copy(d.pending[:], d.pending[1:d.npending])
	d.npending--
	return digit, true
}

// accumulate runs the Goertzel recurrence s[n] = x[n] + 2cos(ω)·s[n-1] - s[n-2]
// over samples that all belong to the current block. Four filters run side by
// side with their state in locals: one filter alone is bound by the latency of
// its own recurrence, and state kept in the struct goes through memory.
func (d *InbandDetector) accumulate(samples []int16) {
	for i := 0; i < nfilters; i += 4 {
		c0, c1, c2, c3 := d.coef[i], d.coef[i+1], d.coef[i+2], d.coef[i+3]
		a0, a1, a2, a3 := d.s1[i], d.s1[i+1], d.s1[i+2], d.s1[i+3]
		b0, b1, b2, b3 := d.s2[i], d.s2[i+1], d.s2[i+2], d.s2[i+3]
		for _, v := range samples {
			x := float64(v)
			a0, b0 = x+c0*a0-b0, a0
			a1, b1 = x+c1*a1-b1, a1
			a2, b2 = x+c2*a2-b2, a2
			a3, b3 = x+c3*a3-b3, a3
		}
		d.s1[i], d.s1[i+1], d.s1[i+2], d.s1[i+3] = a0, a1, a2, a3
		d.s2[i], d.s2[i+1], d.s2[i+2], d.s2[i+3] = b0, b1, b2, b3
	}
	e := d.energy
	for _, v := range samples {
		e += float64(v) * float64(v)
	}
	d.energy = e
	d.n += len(samples)
}

// Reset drops the partial block and any tone in progress, as after a gap in
// the audio.
func (d *InbandDetector) Reset() {
	d.clearBlock()
	d.candidate, d.hits, d.current, d.misses, d.npending = 0, 0, 0, 0, 0
}

func (d *InbandDetector) clearBlock() {
	d.s1, d.s2 = [nfilters]float64{}, [nfilters]float64{}
	d.energy, d.n = 0, 0
}

// endBlock classifies the finished block and runs the press state machine.
func (d *InbandDetector) endBlock() (byte, bool) {
	key := d.classify()
	d.clearBlock()

	if key != 0 && key == d.candidate {
		d.hits++
	} else {
		d.candidate, d.hits = key, 0
		if key != 0 {
			d.hits = 1
		}
	}
	if d.current != 0 {
		if key == d.current {
			d.misses = 0
		} else if d.misses++; d.misses >= missesToEnd {
			d.current, d.misses = 0, 0
		}
	}
	if d.current == 0 && key != 0 && d.hits >= hitsToReport {
		d.current = key
		return key, true
	}
	return 0, false
}

// classify returns the key whose two tones the block holds, or 0.
func (d *InbandDetector) classify() byte {
	var power [8]float64
	for i := range nfilters {
		// Goertzel |X(f)|², scaled so a sine of amplitude A filling the
		// block gives its mean power A²/2.
		p := d.s1[i]*d.s1[i] + d.s2[i]*d.s2[i] - d.coef[i]*d.s1[i]*d.s2[i]
		k := i / len(filterOffsets)
		power[k] = max(power[k], 2*p/(blockSize*blockSize))
	}
	row := strongest(power[:4])
	col := strongest(power[4:])
	rowP, colP := power[row], power[4+col]

	switch {
	case rowP < d.minPower || colP < d.minPower:
		return 0
	case rowP > colP*d.lowOverHigh || colP > rowP*d.highOverLow:
		return 0
	case !dominates(power[:4], row, d.dominance) || !dominates(power[4:], col, d.dominance):
		return 0
	case rowP+colP < d.minRatio*d.energy/blockSize:
		return 0
	}
	return keypad[row][col]
}

func strongest(p []float64) int {
	best := 0
	for i := 1; i < len(p); i++ {
		if p[i] > p[best] {
			best = i
		}
	}
	return best
}

// dominates reports whether p[best] exceeds every other entry by factor.
func dominates(p []float64, best int, factor float64) bool {
	for i, v := range p {
		if i != best && v*factor > p[best] {
			return false
		}
	}
	return true
}
