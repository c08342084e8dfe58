package audiotest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The raw G.711 fixtures in testdata/audio drive SIPp's rtp_stream; these
// tests pin their content so a regenerated file cannot silently change it.

// ulawDecode expands one G.711 µ-law byte (ITU-T G.711 §A: complemented
// sign, 3-bit exponent, 4-bit mantissa, bias 0x84).
func ulawDecode(b byte) int16 {
	u := ^b
	exp := (u >> 4) & 0x07
	s := ((int(u&0x0F) << 3) + 0x84) << exp
	s -= 0x84
	if u&0x80 != 0 {
		return int16(-s)
	}
	return int16(s)
}

// alawDecode expands one G.711 A-law byte (even bits inverted with 0x55; a set
// sign bit means positive).
func alawDecode(b byte) int16 {
	a := b ^ 0x55
	exp := (a >> 4) & 0x07
	s := int(a&0x0F) << 4
	if exp == 0 {
		s += 8
	} else {
		s = (s + 0x108) << (exp - 1)
	}
	if a&0x80 != 0 {
		return int16(s)
	}
	return int16(-s)
}

func readFixture(t *testing.T, name string) []int16 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "audio", name))
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	decode := ulawDecode
	if strings.HasSuffix(name, ".alaw") {
		decode = alawDecode
	}
	out := make([]int16, len(raw))
	for i, b := range raw {
		out[i] = decode(b)
	}
	return out
}

func TestG711DecodersKnownValues(t *testing.T) {
	tests := []struct {
		name string
		got  int16
		want int16
	}{
		{"ulaw 0xFF is zero", ulawDecode(0xFF), 0},
		{"ulaw 0x80 is max", ulawDecode(0x80), 32124},
		{"ulaw 0x00 is min", ulawDecode(0x00), -32124},
		{"alaw 0xD5 is +8", alawDecode(0xD5), 8},
		{"alaw 0xAA is max", alawDecode(0xAA), 32256},
		{"alaw 0x2A is min", alawDecode(0x2A), -32256},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

func TestToneFixturesHoldOneModerateTone(t *testing.T) {
	tests := []struct {
		file string
		freq float64
	}{
		{"caller-440hz.ulaw", 440},
		{"caller-440hz.alaw", 440},
		{"agent-1000hz.ulaw", 1000},
		{"agent-1000hz.alaw", 1000},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := readFixture(t, tt.file)
			if len(s)%160 != 0 || len(s) < 2*rate || len(s) > 4*rate {
				t.Errorf("%d samples: want 2-4 s in whole 20 ms packets", len(s))
			}
			f, ratio := DominantTone(s, rate, 440, 1000, 697, 1209, 1336)
			if f != tt.freq || ratio < 100 {
				t.Errorf("dominant %v Hz (ratio %g), want %v Hz clearly", f, ratio, tt.freq)
			}
			// -12 dBFS peak: RMS about 0.177 of full scale.
			if rms := RMS(s); rms < 0.15 || rms > 0.2 {
				t.Errorf("RMS %g of full scale, want about 0.177 (-12 dBFS peak)", rms)
			}
		})
	}
}

func TestInbandDTMFFixturesHaveSilenceDigitThenTone(t *testing.T) {
	tests := []struct {
		file    string
		rowFreq float64
		colFreq float64
	}{
		{"caller-dtmf1-440hz.ulaw", 697, 1209},
		{"caller-dtmf1-440hz.alaw", 697, 1209},
		{"caller-dtmf2-440hz.ulaw", 697, 1336},
		{"caller-dtmf2-440hz.alaw", 697, 1336},
	}
	dtmf := []float64{697, 770, 852, 941, 1209, 1336, 1477, 440}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := readFixture(t, tt.file)
			if rms := RMS(Window(s, rate, 0, 950*time.Millisecond)); rms > 0.001 {
				t.Errorf("lead-in RMS %g, want silence", rms)
			}

			digit := Window(s, rate, 1010*time.Millisecond, 130*time.Millisecond)
			row, _ := DominantTone(digit, rate, 697, 770, 852, 941)
			col, _ := DominantTone(digit, rate, 1209, 1336, 1477)
			if row != tt.rowFreq || col != tt.colFreq {
				t.Errorf("digit tones %v+%v Hz, want %v+%v", row, col, tt.rowFreq, tt.colFreq)
			}
			// About -10 dBm0 per tone (amplitude ≈ 0.22 of full scale, power ≈ 0.024).
			for _, f := range []float64{tt.rowFreq, tt.colFreq} {
				if p := TonePower(digit, f, rate); p < 0.015 || p > 0.035 {
					t.Errorf("%v Hz power %g, want about 0.024", f, p)
				}
			}

			tail := Window(s, rate, 1500*time.Millisecond, 7*time.Second)
			if f, ratio := DominantTone(tail, rate, dtmf...); f != 440 || ratio < 100 {
				t.Errorf("after the digit: %v Hz (ratio %g), want 440 Hz", f, ratio)
			}
			if d := time.Duration(len(s)) * time.Second / rate; d < 9*time.Second || d > 10*time.Second {
				t.Errorf("length %v, want about 9.25 s", d)
			}
		})
	}
}
