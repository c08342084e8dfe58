package wavfile

import "errors"

var (
	// ErrFrameMismatch means WriteFrame got channels of different lengths.
	ErrFrameMismatch = errors.New("wavfile: left and right frames differ in length")
	// ErrFull means another frame would overflow the 32-bit RIFF sizes (about 37 h).
	ErrFull = errors.New("wavfile: file reached the WAV size limit")
	// ErrClosed means the writer was already closed or aborted.
	ErrClosed = errors.New("wavfile: writer closed")
	// ErrNotSpool means Repair was given a file that is not a spool file this
	// package wrote (a different header layout or format).
	ErrNotSpool = errors.New("wavfile: not a stereo 8 kHz 16-bit spool file")
)
