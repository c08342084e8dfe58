package g711

// The decoder output values and decision intervals below are those of
// G.711 tables 1 and 2, written as the segment/step arithmetic they follow:
// µ-law works on 14-bit magnitudes with a bias of 33 and eight segments whose
// step doubles from 2; A-law works on 13-bit magnitudes, segments 0 and 1 share
// a step of 2 and each later segment doubles it. Linear samples here are
// 16-bit, so µ-law values are scaled by 4 and A-law values by 8.

const (
	ulawBias     = 33   // µ-law bias in 14-bit units
	ulawClip     = 8191 // largest biased 14-bit magnitude (0x1FFF)
	ulawShift    = 2    // 16-bit to 14-bit
	alawShift    = 3    // 16-bit to 13-bit
	alawEvenBits = 0x55 // G.711 A-law inverts the even bits of the code
	ulawSign     = 0x80 // µ-law: sign bit set (before inversion) means negative
	alawSign     = 0x80 // A-law: sign bit set (before the even-bit XOR) means positive
)

// Read-only after initialisation. The encode tables are arrays indexed by
// uint16(sample) >> shift, so the compiler can prove every index in range.
var (
	decodeTables = [2][256]int16{buildULawDecode(), buildALawDecode()}
	ulawCodes    = buildEncode[[1 << (16 - ulawShift)]byte](ulawShift, ulawEncode)
	alawCodes    = buildEncode[[1 << (16 - alawShift)]byte](alawShift, alawEncode)
	silences     = [2]byte{ulawEncode(0), alawEncode(0)}
)

func buildULawDecode() (t [256]int16) {
	for c := range 256 {
		b := ^byte(c)
		seg := int(b>>4) & 7
		step := int(b) & 0x0F
		// Midpoint of the decision interval, in 14-bit units.
		mag := ((2*step + ulawBias) << seg) - ulawBias
		v := mag << ulawShift
		if b&ulawSign != 0 {
			v = -v
		}
		t[c] = int16(v)
	}
	return t
}

func buildALawDecode() (t [256]int16) {
	for c := range 256 {
		b := byte(c) ^ alawEvenBits
		seg := int(b>>4) & 7
		step := int(b) & 0x0F
		// Midpoint of the decision interval, in 13-bit units.
		var mag int
		if seg == 0 {
			mag = 2*step + 1
		} else {
			mag = (2*step + 33) << (seg - 1)
		}
		v := mag << alawShift
		if b&alawSign == 0 {
			v = -v
		}
		t[c] = int16(v)
	}
	return t
}

// buildEncode tabulates enc for every value of the top 16-shift bits of a
// sample; the bits below never change the code.
func buildEncode[T [1 << (16 - ulawShift)]byte | [1 << (16 - alawShift)]byte](shift uint, enc func(int16) byte) *T {
	var t T
	for i := range len(t) {
		t[i] = enc(int16(uint16(i << shift)))
	}
	return &t
}

// magnitude folds a two's complement sample into a sign and a magnitude
// reduced to the law's resolution. Negative samples use ^s (= -s-1) so the
// decision intervals are mirror images of the positive ones and -32768 does
// not overflow.
func magnitude(s int16, shift uint) (neg bool, mag int) {
	if s < 0 {
		return true, int(^s) >> shift
	}
	return false, int(s) >> shift
}

// ulawEncode is the bit-level µ-law encoder the table is built from.
func ulawEncode(s int16) byte {
	neg, mag := magnitude(s, ulawShift)
	biased := min(mag+ulawBias, ulawClip)
	// Segment e holds biased magnitudes in [32<<e, 64<<e).
	seg := 0
	for biased >= 64<<seg {
		seg++
	}
	step := (biased >> (seg + 1)) & 0x0F
	code := byte(seg<<4 | step)
	if neg {
		code |= ulawSign
	}
	return ^code
}

// alawEncode is the bit-level A-law encoder the table is built from.
func alawEncode(s int16) byte {
	neg, mag := magnitude(s, alawShift)
	// Segment 0 covers [0, 32) with step 2; segment e ≥ 1 covers
	// [16<<e, 32<<e) with step 1<<e.
	seg := 0
	for seg < 7 && mag >= 32<<seg {
		seg++
	}
	var step int
	if seg == 0 {
		step = mag >> 1
	} else {
		step = (mag >> seg) & 0x0F
	}
	code := byte(seg<<4 | step)
	if !neg {
		code |= alawSign
	}
	return code ^ alawEvenBits
}
