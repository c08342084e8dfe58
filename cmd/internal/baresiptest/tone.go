package baresiptest

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// toneRate is the rate of the tone files: G.711's 8 kHz, so baresip's aufile source
// needs no resampler.
const toneRate = 8000

// writeTone writes a mono 16-bit PCM WAV of a sine at freq Hz lasting seconds, for
// baresip's aufile audio source.
func writeTone(path string, freq float64, seconds int) error {
	n := toneRate * seconds
	data := make([]byte, 44+2*n)
	copy(data[0:], "RIFF")
	binary.LittleEndian.PutUint32(data[4:], uint32(36+2*n))
	copy(data[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(data[16:], 16) // fmt chunk size
	binary.LittleEndian.PutUint16(data[20:], 1)  // WAVE_FORMAT_PCM
	binary.LittleEndian.PutUint16(data[22:], 1)  // mono
	binary.LittleEndian.PutUint32(data[24:], toneRate)
	binary.LittleEndian.PutUint32(data[28:], 2*toneRate) // bytes per second
	binary.LittleEndian.PutUint16(data[32:], 2)          // block align
	binary.LittleEndian.PutUint16(data[34:], 16)         // bits per sample
	copy(data[36:], "data")
	binary.LittleEndian.PutUint32(data[40:], uint32(2*n))
	for i := range n {
		v := int16(0.3 * math.MaxInt16 * math.Sin(2*math.Pi*freq*float64(i)/toneRate))
		binary.LittleEndian.PutUint16(data[44+2*i:], uint16(v))
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("writing tone %s: %w", path, err)
	}
	return nil
}
