// Package prompt holds the consent prompt as 8000 Hz mono 16-bit samples, cut into
// the 20 ms frames the prompt player sends as RTP packets.
package prompt

import "time"

const (
	// SampleRate is the rate of every prompt: G.711's 8000 Hz (RFC 3551 §4.5.14).
	SampleRate = 8000
	// FrameSamples is one 20 ms frame, the packetisation every SIP peer accepts
	// by default (RFC 3551 §4.2).
	FrameSamples = 160
)

// Prompt is a decoded prompt ready to be played.
type Prompt struct {
	ID       string  // "builtin:en" or "file:<base name>"
	SHA256   string  // lowercase hex of the source WAV bytes (receipts cite it)
	Language string  // language tag given by the configuration
	Samples  []int16 // 8000 Hz mono
}

// FrameCount is the number of 20 ms frames; the last one is zero-padded.
func (p *Prompt) FrameCount() int {
	return (len(p.Samples) + FrameSamples - 1) / FrameSamples
}

// Frame copies frame i into dst (normally len 160). Samples past the end of the
// prompt, including a whole frame out of range, are silence.
func (p *Prompt) Frame(i int, dst []int16) {
	n := 0
	if start := i * FrameSamples; i >= 0 && start < len(p.Samples) {
		end := min(start+FrameSamples, len(p.Samples))
		n = copy(dst, p.Samples[start:end])
	}
	clear(dst[n:])
}

// Duration is the prompt's playing time.
func (p *Prompt) Duration() time.Duration {
	return time.Duration(len(p.Samples)) * time.Second / SampleRate
}
