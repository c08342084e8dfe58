package prompt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// Load reads a prompt from any integer-PCM WAV file (8/16/24/32-bit, any channel
// count, 4–192 kHz), mixes it down to mono and resamples it to 8000 Hz.
func Load(path, language string) (*Prompt, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening prompt file: %w", err)
	}
	defer f.Close()
	// Read one byte past the limit to tell "exactly at" from "over".
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading prompt file %s: %w", filepath.Base(path), err)
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("reading prompt file %s: over %d bytes: %w", filepath.Base(path), maxFileBytes, ErrTooLarge)
	}
	p, err := decode(b, "file:"+filepath.Base(path), language)
	if err != nil {
		return nil, fmt.Errorf("decoding prompt file %s: %w", filepath.Base(path), err)
	}
	return p, nil
}

func decode(b []byte, id, language string) (*Prompt, error) {
	info, err := scanWAV(b)
	if err != nil {
		return nil, err
	}
	mono, err := decodeMono(info)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return &Prompt{
		ID:       id,
		SHA256:   hex.EncodeToString(sum[:]),
		Language: language,
		Samples:  resample(mono, info.rate, SampleRate),
	}, nil
}

// decodeMono decodes the checked PCM with go-audio/wav and averages the channels
// into floats in [-1, 1).
func decodeMono(info wavInfo) ([]float32, error) {
	d := wav.NewDecoder(bytes.NewReader(canonicalWAV(info)))
	if !d.IsValidFile() {
		return nil, fmt.Errorf("decoding WAV header: %w", ErrNotWAV)
	}
	if err := d.FwdToPCM(); err != nil {
		return nil, fmt.Errorf("seeking to PCM data: %w", err)
	}
	frames := len(info.data) / (info.channels * info.bits / 8)
	mono := make([]float32, 0, frames)
	// 8-bit WAV is unsigned with 128 as zero; wider depths are signed.
	offset := 0.0
	if info.bits == 8 {
		offset = 128
	}
	scale := 1 / (float64(int64(1)<<(info.bits-1)) * float64(info.channels))
	buf := &audio.IntBuffer{Data: make([]int, 1024*info.channels)}
	for len(mono) < frames {
		n, err := d.PCMBuffer(buf)
		if err != nil {
			return nil, fmt.Errorf("decoding PCM data: %w", err)
		}
		if n == 0 {
			break
		}
		for i := 0; i+info.channels <= n; i += info.channels {
			var s float64
			for _, v := range buf.Data[i : i+info.channels] {
				s += float64(v) - offset
			}
			mono = append(mono, float32(s*scale))
		}
	}
	if len(mono) == 0 {
		return nil, fmt.Errorf("decoding PCM data: %w", ErrNoAudio)
	}
	return mono, nil
}
