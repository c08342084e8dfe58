package prompt

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// writeWAV encodes channels (floats in [-1, 1), one slice per channel) with the
// go-audio encoder, as a foreign tool would.
func writeWAV(t testing.TB, path string, rate, bits int, channels ...[]float64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := len(channels[0])
	data := make([]int, 0, n*len(channels))
	full := float64(int64(1) << (bits - 1))
	for i := range n {
		for _, ch := range channels {
			v := int(math.Round(ch[i] * (full - 1)))
			if bits == 8 {
				v += 128 // 8-bit WAV is unsigned
			}
			data = append(data, v)
		}
	}
	e := wav.NewEncoder(f, rate, bits, len(channels), 1)
	buf := &audio.IntBuffer{
		Data:           data,
		Format:         &audio.Format{NumChannels: len(channels), SampleRate: rate},
		SourceBitDepth: bits,
	}
	if err := e.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadConvertsAnyPCMWAVToEightKilohertzMono(t *testing.T) {
	const seconds = 0.5
	neg := func(x []float64) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = -v
		}
		return out
	}
	silence := func(n int) []float64 { return make([]float64, n) }
	tests := []struct {
		name     string
		rate     int
		bits     int
		channels func(tone []float64) [][]float64
		wantAmp  float64 // expected 1 kHz amplitude after downmix
	}{
		{"8 kHz mono 16-bit", 8000, 16, func(x []float64) [][]float64 { return [][]float64{x} }, 0.5},
		{"16 kHz mono 8-bit", 16000, 8, func(x []float64) [][]float64 { return [][]float64{x} }, 0.5},
		{"22.05 kHz stereo 16-bit", 22050, 16, func(x []float64) [][]float64 { return [][]float64{x, x} }, 0.5},
		{"44.1 kHz stereo 24-bit", 44100, 24, func(x []float64) [][]float64 { return [][]float64{x, x} }, 0.5},
		{"48 kHz mono 32-bit", 48000, 32, func(x []float64) [][]float64 { return [][]float64{x} }, 0.5},
		{"44.1 kHz stereo, tone on the left only, is averaged", 44100, 16,
			func(x []float64) [][]float64 { return [][]float64{x, silence(len(x))} }, 0.25},
		{"48 kHz stereo in opposite phase cancels", 48000, 16,
			func(x []float64) [][]float64 { return [][]float64{x, neg(x)} }, 0},
		{"16 kHz four channels 24-bit", 16000, 24,
			func(x []float64) [][]float64 { return [][]float64{x, x, x, x} }, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "greeting.wav")
			tone := sineFloats(int(seconds*float64(tt.rate)), float64(tt.rate), 1000, 0.5)
			writeWAV(t, path, tt.rate, tt.bits, tt.channels(tone)...)

			p, err := Load(path, "da")
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			raw, _ := os.ReadFile(path)
			sum := sha256.Sum256(raw)
			if p.ID != "file:greeting.wav" || p.Language != "da" || p.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("identity = %q %q %q", p.ID, p.Language, p.SHA256)
			}
			if want := int(seconds * SampleRate); math.Abs(float64(len(p.Samples)-want)) > 1 {
				t.Errorf("%d samples, want about %d", len(p.Samples), want)
			}
			mid := p.Samples[400 : len(p.Samples)-400]
			got := 2 * math.Sqrt(goertzelPower(mid, SampleRate, 1000))
			// 8-bit has 48 dB of quantisation noise; allow for it.
			if math.Abs(got-tt.wantAmp) > 0.01 {
				t.Errorf("1 kHz amplitude %.4f, want %.2f", got, tt.wantAmp)
			}
		})
	}
}

func TestLoadRejectsWhatIsNotAPlayableWAV(t *testing.T) {
	valid := func() []byte {
		path := filepath.Join(t.TempDir(), "ok.wav")
		writeWAV(t, path, 8000, 16, sineFloats(800, 8000, 1000, 0.5))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	patch16 := func(off int, v uint16) []byte {
		b := valid()
		binary.LittleEndian.PutUint16(b[off:], v)
		return b
	}
	patch32 := func(off int, v uint32) []byte {
		b := valid()
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty file", nil, ErrNotWAV},
		{"text", []byte("this is not audio, just words in a file"), ErrNotWAV},
		{"RIFF but not WAVE", append([]byte("RIFF\x04\x00\x00\x00AVI "), make([]byte, 40)...), ErrNotWAV},
		{"header only", valid()[:12], ErrNotWAV},
		{"fmt chunk cut short", valid()[:30], ErrNotWAV},
		{"no data chunk", valid()[:36], ErrNotWAV},
		{"empty data chunk", patch32(40, 0)[:44], ErrNoAudio},
		{"half a sample frame", append(patch32(40, 1)[:44], 7), ErrNoAudio},
		{"fmt size beyond the file", patch32(16, 1<<30), ErrNotWAV},
		{"IEEE float", patch16(20, 3), ErrUnsupportedFormat},
		{"A-law", patch16(20, 6), ErrUnsupportedFormat},
		{"zero channels", patch16(22, 0), ErrUnsupportedFormat},
		{"12-bit", patch16(34, 12), ErrUnsupportedFormat},
		{"1 kHz rate", patch32(24, 1000), ErrUnsupportedFormat},
		{"1 MHz rate", patch32(24, 1000000), ErrUnsupportedFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.wav")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, "en")
			if !errors.Is(err, tt.want) {
				t.Errorf("Load error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestLoadOfMissingFileSaysNotExist(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.wav"), "en")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load error = %v, want fs.ErrNotExist", err)
	}
}

func TestLoadPlaysTruncatedRecordingUpToWhereItStops(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.wav")
	writeWAV(t, path, 8000, 16, sineFloats(1600, 8000, 1000, 0.5))
	b, _ := os.ReadFile(path)
	// Drop the last 401 bytes: 200 whole frames and half of another.
	if err := os.WriteFile(path, b[:len(b)-401], 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path, "en")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(p.Samples) != 1600-201 {
		t.Errorf("%d samples, want %d", len(p.Samples), 1600-201)
	}
}

func TestLoadReadsDataWhoseSizeWasNeverWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stream.wav")
	writeWAV(t, path, 8000, 16, sineFloats(800, 8000, 1000, 0.5))
	b, _ := os.ReadFile(path)
	binary.LittleEndian.PutUint32(b[4:], 0)
	binary.LittleEndian.PutUint32(b[40:], 0)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path, "en")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(p.Samples) != 800 {
		t.Errorf("%d samples, want 800", len(p.Samples))
	}
}

func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	for i, c := range []struct{ rate, bits, chans int }{{8000, 16, 1}, {44100, 24, 2}, {16000, 8, 1}, {48000, 32, 2}} {
		path := filepath.Join(dir, "seed"+string(rune('a'+i))+".wav")
		chans := make([][]float64, c.chans)
		for j := range chans {
			chans[j] = sineFloats(64, float64(c.rate), 1000, 0.5)
		}
		writeWAV(f, path, c.rate, c.bits, chans...)
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	builtin, err := assets.ReadFile("assets/consent-en.wav")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(builtin[:200])
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVELIST\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.wav")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := Load(path, "en")
		if err == nil && len(p.Samples) == 0 {
			t.Errorf("Load succeeded with no samples")
		}
	})
}
