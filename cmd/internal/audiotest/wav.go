// Package audiotest reads the gateway's recordings and measures their content
// for end-to-end tests: which test tone is on which channel, and how loud.
package audiotest

import (
	"bytes"
	"fmt"
	"os"

	"github.com/go-audio/wav"
)

// wavFormatPCM is WAVE_FORMAT_PCM in the fmt chunk.
const wavFormatPCM = 1

// ReadWAV reads an integer-PCM WAV file into one slice per channel (index 0 =
// left), scaled to 16 bits, and returns its sample rate.
func ReadWAV(path string) (channels [][]int16, sampleRate int, err error) {
	// Whole file in memory: the decoder reads sample by sample, a syscall each from a file.
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("opening wav %s: %w", path, err)
	}

	dec := wav.NewDecoder(bytes.NewReader(data))
	if !dec.IsValidFile() {
		return nil, 0, fmt.Errorf("reading %s: %w", path, ErrNotWAV)
	}
	if dec.WavAudioFormat != wavFormatPCM {
		return nil, 0, fmt.Errorf("reading %s: audio format %d: %w", path, dec.WavAudioFormat, ErrUnsupportedFormat)
	}
	buf, err := dec.FullPCMBuffer()
	if err != nil {
		return nil, 0, fmt.Errorf("reading samples of %s: %w", path, err)
	}
	n := buf.Format.NumChannels
	if n < 1 {
		return nil, 0, fmt.Errorf("reading %s: %d channels: %w", path, n, ErrUnsupportedFormat)
	}
	scale, err := to16(int(dec.BitDepth))
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}

	frames := len(buf.Data) / n // a trailing partial frame is dropped
	channels = make([][]int16, n)
	for c := range channels {
		channels[c] = make([]int16, frames)
	}
	for i := range frames {
		for c := range n {
			channels[c][i] = scale(buf.Data[i*n+c])
		}
	}
	return channels, buf.Format.SampleRate, nil
}

// to16 returns the conversion of one decoded sample to 16 bits.
func to16(bitDepth int) (func(int) int16, error) {
	switch bitDepth {
	case 8: // WAV's 8-bit samples are unsigned, centred on 128
		return func(v int) int16 { return int16((v - 128) << 8) }, nil
	case 16:
		return func(v int) int16 { return int16(v) }, nil
	case 24:
		return func(v int) int16 { return int16(v >> 8) }, nil
	case 32:
		return func(v int) int16 { return int16(v >> 16) }, nil
	default:
		return nil, fmt.Errorf("%d bits per sample: %w", bitDepth, ErrUnsupportedFormat)
	}
}
