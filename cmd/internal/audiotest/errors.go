package audiotest

import "errors"

var (
	// ErrNotWAV is returned when a file is not a RIFF/WAVE file.
	ErrNotWAV = errors.New("audiotest: not a WAV file")
	// ErrUnsupportedFormat is returned for WAV data that is not integer PCM of 8, 16, 24 or 32 bits.
	ErrUnsupportedFormat = errors.New("audiotest: unsupported WAV format")
)
