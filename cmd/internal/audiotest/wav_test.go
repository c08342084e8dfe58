package audiotest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// writeWAV writes interleaved frames of the given channels as 16-bit PCM.
func writeWAV(t *testing.T, path string, bitDepth int, channels ...[]int16) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := wav.NewEncoder(f, rate, bitDepth, len(channels), wavFormatPCM)
	data := make([]int, 0, len(channels)*len(channels[0]))
	for i := range channels[0] {
		for _, c := range channels {
			v := int(c[i])
			if bitDepth == 24 {
				v <<= 8
			}
			data = append(data, v)
		}
	}
	buf := &audio.IntBuffer{Data: data, Format: &audio.Format{NumChannels: len(channels), SampleRate: rate}, SourceBitDepth: bitDepth}
	if err := enc.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReadWAVSplitsStereoIntoCallerAndAgent(t *testing.T) {
	for _, bits := range []int{16, 24} {
		left, right := sine(440, 0.25, 500*time.Millisecond), sine(1000, 0.25, 500*time.Millisecond)
		path := filepath.Join(t.TempDir(), "call.wav")
		writeWAV(t, path, bits, left, right)

		channels, sr, err := ReadWAV(path)
		if err != nil {
			t.Fatalf("%d bits: ReadWAV: %v", bits, err)
		}
		if sr != rate || len(channels) != 2 || len(channels[0]) != len(left) {
			t.Fatalf("%d bits: got %d Hz, %d channels of %d samples", bits, sr, len(channels), len(channels[0]))
		}
		for i, want := range []float64{440, 1000} {
			if f, _ := DominantTone(channels[i], sr, 440, 1000); f != want {
				t.Errorf("%d bits: channel %d dominant %v Hz, want %v", bits, i, f, want)
			}
		}
		if channels[0][100] != left[100] {
			t.Errorf("%d bits: sample 100 = %d, want %d", bits, channels[0][100], left[100])
		}
	}
}

func TestReadWAVRejectsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	notWAV := filepath.Join(dir, "x.wav")
	if err := os.WriteFile(notWAV, []byte("this is not a riff file at all, just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadWAV(notWAV); !errors.Is(err, ErrNotWAV) {
		t.Errorf("text file: err = %v, want ErrNotWAV", err)
	}
	if _, _, err := ReadWAV(filepath.Join(dir, "missing.wav")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist", err)
	}
}
