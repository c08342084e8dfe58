package audiotest

import (
	"fmt"
	"math"
	"os"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// WriteTone writes a mono 16-bit PCM WAV of a sine at freq Hz, peak amplitude (of
// 32767), rate samples a second, lasting d: the audio a test phone or a browser's fake
// microphone sends.
func WriteTone(path string, freq, amplitude float64, rate int, d time.Duration) error {
	n := int(d.Seconds() * float64(rate))
	data := make([]int, n)
	for i := range data {
		data[i] = int(amplitude * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("writing tone %s: %w", path, err)
	}
	enc := wav.NewEncoder(f, rate, 16, 1, wavFormatPCM)
	err = enc.Write(&audio.IntBuffer{Data: data, Format: &audio.Format{NumChannels: 1, SampleRate: rate}, SourceBitDepth: 16})
	if err == nil {
		err = enc.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing tone %s: %w", path, err)
	}
	return nil
}
