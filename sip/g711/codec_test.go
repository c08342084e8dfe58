package g711

import (
	"math/rand/v2"
	"testing"
)

// interval is a G.711 decision interval [lo, hi) with its decoder output, in
// the law's own units (14-bit for µ-law, 13-bit for A-law).
type interval struct{ lo, hi, out int }

// referenceIntervals walks the G.711 segment tables: 8 segments of 16
// equal steps each, starting from zero, for the positive half. Index k is the
// k-th interval counted up from zero magnitude.
//
// µ-law (G.711 table 2): steps 2, 4, …, 256; the segments end at 31, 95,
// 223, …, 8159, and the first interval is the single value 0.
// A-law (G.711 table 1): steps 2, 2, 4, …, 128; the segments end at 32, 64,
// …, 4096.
func referenceIntervals(l Law) [128]interval {
	var iv [128]interval
	k := 0
	switch l {
	case ULaw:
		start := -1 // the first step of segment 0 is centred on zero
		for seg := range 8 {
			step := 2 << seg
			for range 16 {
				iv[k] = interval{lo: max(start, 0), hi: start + step, out: start + step/2}
				start += step
				k++
			}
		}
		if start != 8159 {
			panic("µ-law segments do not end at 8159")
		}
	case ALaw:
		start := 0
		for seg := range 8 {
			step := 2 << max(seg-1, 0)
			for range 16 {
				iv[k] = interval{lo: start, hi: start + step, out: start + step/2}
				start += step
				k++
			}
		}
		if start != 4096 {
			panic("A-law segments do not end at 4096")
		}
	}
	return iv
}

// referenceCode is the code G.711 assigns to the k-th positive or negative
// interval: µ-law transmits the complement of sign|segment|step with the sign
// set for negative; A-law sets the sign for positive and inverts the even bits.
func referenceCode(l Law, k int, neg bool) byte {
	if l == ULaw {
		c := byte(k)
		if neg {
			c |= 0x80
		}
		return ^c
	}
	c := byte(k)
	if !neg {
		c |= 0x80
	}
	return c ^ 0x55
}

func scale(l Law) int {
	if l == ULaw {
		return 4
	}
	return 8
}

func TestDecodeKnownITUValues(t *testing.T) {
	tests := []struct {
		law  Law
		code byte
		want int16
	}{
		{ULaw, 0x00, -32124},
		{ULaw, 0x80, 32124},
		{ULaw, 0xFF, 0},
		{ULaw, 0x7F, 0},
		{ULaw, 0xFE, 8},        // 14-bit output 2
		{ULaw, 0xEF, 4 * 33},   // first step of segment 1
		{ULaw, 0x8F, 4 * 4191}, // first step of segment 7: [4063, 4319)
		{ULaw, 0x0F, -4 * 4191},
		{ALaw, 0xD5, 8},
		{ALaw, 0x55, -8},
		{ALaw, 0x2A, -32256},
		{ALaw, 0xAA, 32256},
		{ALaw, 0xD4, 24},       // 13-bit output 3
		{ALaw, 0xC5, 8 * 33},   // first step of segment 1
		{ALaw, 0xF5, 8 * 66},   // first step of segment 2
		{ALaw, 0xA5, 8 * 2112}, // first step of segment 7
	}
	for _, tc := range tests {
		if got := tc.law.DecodeSample(tc.code); got != tc.want {
			t.Errorf("%s.DecodeSample(%#02x) = %d, want %d", tc.law, tc.code, got, tc.want)
		}
	}
}

func TestDecodeMatchesG711Tables(t *testing.T) {
	for _, l := range []Law{ULaw, ALaw} {
		ref := referenceIntervals(l)
		for k, iv := range ref {
			for _, neg := range []bool{false, true} {
				want := iv.out * scale(l)
				if neg {
					want = -want
				}
				code := referenceCode(l, k, neg)
				if got := l.DecodeSample(code); int(got) != want {
					t.Errorf("%s.DecodeSample(%#02x) = %d, want %d", l, code, got, want)
				}
			}
		}
	}
}

// Every 16-bit sample must land in the decision interval that contains it.
// Negative samples mirror the positive intervals through ^s (-s-1).
func TestEncodeEverySampleFallsInItsDecisionInterval(t *testing.T) {
	for _, l := range []Law{ULaw, ALaw} {
		ref := referenceIntervals(l)
		sc := scale(l)
		for v := -32768; v <= 32767; v++ {
			s := int16(v)
			neg, mag := s < 0, v
			if neg {
				mag = -v - 1
			}
			k := 127 // clipped to the last interval
			for i, iv := range ref {
				if mag < iv.hi*sc {
					k = i
					break
				}
			}
			if k < 127 && mag < ref[k].lo*sc {
				t.Fatalf("reference intervals have a gap at %d", mag)
			}
			want := referenceCode(l, k, neg)
			if got := l.EncodeSample(s); got != want {
				t.Fatalf("%s.EncodeSample(%d) = %#02x, want %#02x", l, s, got, want)
			}
		}
	}
}

func TestEncodeIsMonotonic(t *testing.T) {
	for _, l := range []Law{ULaw, ALaw} {
		prev := l.DecodeSample(l.EncodeSample(-32768))
		for v := -32767; v <= 32767; v++ {
			got := l.DecodeSample(l.EncodeSample(int16(v)))
			if got < prev {
				t.Fatalf("%s: decode(encode(%d)) = %d < decode(encode(%d)) = %d", l, v, got, v-1, prev)
			}
			prev = got
		}
	}
}

func TestEncodeOfDecodedCodeIsTheSameCode(t *testing.T) {
	for _, l := range []Law{ULaw, ALaw} {
		for c := range 256 {
			code := byte(c)
			want := code
			if l == ULaw && code == 0x7F {
				want = 0xFF // negative zero decodes to 0, which encodes as positive zero
			}
			if got := l.EncodeSample(l.DecodeSample(code)); got != want {
				t.Errorf("%s: encode(decode(%#02x)) = %#02x, want %#02x", l, code, got, want)
			}
		}
	}
}

func TestSliceCodecMatchesSampleCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]int16, 1000)
	for i := range src {
		src[i] = int16(rng.Uint32())
	}
	for _, l := range []Law{ULaw, ALaw} {
		enc := make([]byte, len(src))
		if n := l.Encode(enc, src); n != len(src) {
			t.Fatalf("%s.Encode = %d, want %d", l, n, len(src))
		}
		dec := make([]int16, len(enc))
		if n := l.Decode(dec, enc); n != len(enc) {
			t.Fatalf("%s.Decode = %d, want %d", l, n, len(enc))
		}
		for i := range src {
			if enc[i] != l.EncodeSample(src[i]) {
				t.Fatalf("%s: Encode[%d] = %#02x, EncodeSample = %#02x", l, i, enc[i], l.EncodeSample(src[i]))
			}
			if dec[i] != l.DecodeSample(enc[i]) {
				t.Fatalf("%s: Decode[%d] = %d, DecodeSample = %d", l, i, dec[i], l.DecodeSample(enc[i]))
			}
		}
	}
}

func TestCodecWritesTheShorterLength(t *testing.T) {
	tests := []struct {
		name        string
		dst, src    int
		wantWritten int
	}{
		{"equal", 160, 160, 160},
		{"short dst", 80, 160, 80},
		{"short src", 160, 100, 100},
		{"empty dst", 0, 160, 0},
		{"empty src", 160, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, l := range []Law{ULaw, ALaw} {
				dst := make([]int16, tc.dst)
				for i := range dst {
					dst[i] = 12345
				}
				if n := l.Decode(dst, make([]byte, tc.src)); n != tc.wantWritten {
					t.Errorf("%s.Decode = %d, want %d", l, n, tc.wantWritten)
				}
				for i := tc.wantWritten; i < len(dst); i++ {
					if dst[i] != 12345 {
						t.Fatalf("%s.Decode wrote past %d", l, tc.wantWritten)
					}
				}
				bdst := make([]byte, tc.dst)
				if n := l.Encode(bdst, make([]int16, tc.src)); n != tc.wantWritten {
					t.Errorf("%s.Encode = %d, want %d", l, n, tc.wantWritten)
				}
				for i := tc.wantWritten; i < len(bdst); i++ {
					if bdst[i] != 0 {
						t.Fatalf("%s.Encode wrote past %d", l, tc.wantWritten)
					}
				}
			}
		})
	}
}

func TestCodecDoesNotAllocate(t *testing.T) {
	src := make([]int16, 160)
	enc := make([]byte, 160)
	for _, l := range []Law{ULaw, ALaw} {
		allocs := testing.AllocsPerRun(100, func() {
			l.Encode(enc, src)
			l.Decode(src, enc)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per frame, want 0", l, allocs)
		}
	}
}

const frameSamples = 160 // 20 ms at 8 kHz

func benchmarkDecode(b *testing.B, l Law) {
	src := make([]byte, frameSamples)
	for i := range src {
		src[i] = byte(i * 7)
	}
	dst := make([]int16, frameSamples)
	b.SetBytes(frameSamples)
	b.ReportAllocs()
	for b.Loop() {
		l.Decode(dst, src)
	}
}

func benchmarkEncode(b *testing.B, l Law) {
	src := make([]int16, frameSamples)
	for i := range src {
		src[i] = int16(i * 409)
	}
	dst := make([]byte, frameSamples)
	b.SetBytes(frameSamples)
	b.ReportAllocs()
	for b.Loop() {
		l.Encode(dst, src)
	}
}

func BenchmarkDecodeULaw(b *testing.B) { benchmarkDecode(b, ULaw) }
func BenchmarkDecodeALaw(b *testing.B) { benchmarkDecode(b, ALaw) }
func BenchmarkEncodeULaw(b *testing.B) { benchmarkEncode(b, ULaw) }
func BenchmarkEncodeALaw(b *testing.B) { benchmarkEncode(b, ALaw) }

// The bit-level encoders the tables are built from, for comparison.
func BenchmarkEncodeULawBits(b *testing.B) { benchmarkEncodeBits(b, ulawEncode) }
func BenchmarkEncodeALawBits(b *testing.B) { benchmarkEncodeBits(b, alawEncode) }

func benchmarkEncodeBits(b *testing.B, enc func(int16) byte) {
	src := make([]int16, frameSamples)
	for i := range src {
		src[i] = int16(i * 409)
	}
	dst := make([]byte, frameSamples)
	b.SetBytes(frameSamples)
	b.ReportAllocs()
	for b.Loop() {
		for i, s := range src {
			dst[i] = enc(s)
		}
	}
}
