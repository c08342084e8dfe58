// Package wavfile writes the recorder's spool file: a canonical 44-byte-header WAV,
// stereo, 8000 Hz, 16-bit PCM, streamed to disk frame by frame, and repairs the
// header of one left behind by a crash.
package wavfile

import (
	"bytes"
	"encoding/binary"
)

const (
	// SampleRate is G.711's rate; the spool stores decoded G.711 as is.
	SampleRate = 8000
	// Channels: left = caller, right = agent.
	Channels = 2
	// BitsPerSample of the linear PCM.
	BitsPerSample = 16
	// HeaderSize is the canonical RIFF/WAVE header: RIFF, fmt (16 bytes) and the
	// data chunk header.
	HeaderSize = 44
	// FrameBytes is one stereo sample frame.
	FrameBytes = Channels * BitsPerSample / 8

	riffSizeOffset = 4
	dataSizeOffset = 40
	// maxDataBytes keeps the RIFF size (data + 36) within 32 bits.
	maxDataBytes = 1<<32 - 1 - (HeaderSize - 8)
)

// header returns the canonical header for dataBytes of samples.
func header(dataBytes uint32) [HeaderSize]byte {
	var h [HeaderSize]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[riffSizeOffset:], dataBytes+HeaderSize-8)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // WAVE_FORMAT_PCM
	binary.LittleEndian.PutUint16(h[22:], Channels)
	binary.LittleEndian.PutUint32(h[24:], SampleRate)
	binary.LittleEndian.PutUint32(h[28:], SampleRate*FrameBytes)
	binary.LittleEndian.PutUint16(h[32:], FrameBytes)
	binary.LittleEndian.PutUint16(h[34:], BitsPerSample)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[dataSizeOffset:], dataBytes)
	return h
}

// isSpoolHeader reports whether h is a header this package wrote, whatever
// sizes it carries.
func isSpoolHeader(h []byte) bool {
	if len(h) < HeaderSize {
		return false
	}
	want := header(0)
	// Compare everything except the two size fields.
	return bytes.Equal(h[0:riffSizeOffset], want[0:riffSizeOffset]) &&
		bytes.Equal(h[riffSizeOffset+4:dataSizeOffset], want[riffSizeOffset+4:dataSizeOffset])
}
