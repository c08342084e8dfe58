package prompt

import "errors"

var (
	// ErrNoBuiltinPrompt means no prompt is built in for the requested language.
	ErrNoBuiltinPrompt = errors.New("prompt: no built-in prompt for this language")
	// ErrNotWAV means the file is not a RIFF/WAVE file or its chunks are broken.
	ErrNotWAV = errors.New("prompt: not a valid WAV file")
	// ErrUnsupportedFormat means the WAV holds something other than 8/16/24/32-bit
	// integer PCM at a supported rate and channel count.
	ErrUnsupportedFormat = errors.New("prompt: unsupported WAV format")
	// ErrNoAudio means the WAV has no sample frames.
	ErrNoAudio = errors.New("prompt: WAV holds no audio")
	// ErrTooLarge means the file or its duration exceeds what a prompt may be.
	ErrTooLarge = errors.New("prompt: WAV too large for a prompt")
)
