package sealing

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrShortStream means a stream held fewer samples than its metadata said.
var ErrShortStream = errors.New("sealing: stream shorter than its metadata says")

// WAVHeaderSize is the canonical 44-byte RIFF/WAVE header WriteWAV writes.
const WAVHeaderSize = 44

// WriteWAV writes a 16-bit 8000 Hz PCM WAV of frames sample frames with one channel per
// entry of channels, read from each stream's PCM (OpenStream); a nil entry is silence
// (a channel withheld, or one whose key is gone). A stream longer than frames is cut; a
// shorter one is ErrShortStream. It returns the bytes written.
func WriteWAV(w io.Writer, frames int64, channels ...io.Reader) (int64, error) {
	n := len(channels)
	if n == 0 || frames < 0 || frames*int64(n*SampleBytes) > 1<<32-1-36 {
		return 0, fmt.Errorf("writing WAV of %d channels and %d frames: out of range", n, frames)
	}
	data := uint32(frames * int64(n*SampleBytes))
	var h [WAVHeaderSize]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], data+36)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // WAVE_FORMAT_PCM
	binary.LittleEndian.PutUint16(h[22:], uint16(n))
	binary.LittleEndian.PutUint32(h[24:], SampleRate)
	binary.LittleEndian.PutUint32(h[28:], SampleRate*uint32(n*SampleBytes))
	binary.LittleEndian.PutUint16(h[32:], uint16(n*SampleBytes))
	binary.LittleEndian.PutUint16(h[34:], 8*SampleBytes)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], data)
	bw := bufio.NewWriterSize(w, 32<<10)
	if _, err := bw.Write(h[:]); err != nil {
		return 0, err
	}
	readers := make([]*bufio.Reader, n)
	for i, c := range channels {
		if c != nil {
			readers[i] = bufio.NewReaderSize(c, 32<<10)
		}
	}
	var sample [SampleBytes]byte
	for f := int64(0); f < frames; f++ {
		for _, r := range readers {
			clear(sample[:])
			if r != nil {
				if _, err := io.ReadFull(r, sample[:]); err != nil {
					if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
						return 0, fmt.Errorf("frame %d of %d: %w", f, frames, ErrShortStream)
					}
					return 0, fmt.Errorf("reading stream: %w", err)
				}
			}
			if _, err := bw.Write(sample[:]); err != nil {
				return 0, err
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return WAVHeaderSize + int64(data), nil
}
