package prompt

import (
	"encoding/binary"
	"fmt"
)

// Limits on what a prompt file may hold. The resampler's filter table grows with the
// input rate, and the decoded input is held in memory, so both are bounded.
const (
	minInputRate = 4000
	maxInputRate = 192000
	maxChannels  = 32
	maxDuration  = 120 // seconds
	maxFileBytes = 64 << 20
)

const (
	formatPCM        = 0x0001
	formatExtensible = 0xFFFE
)

// wavInfo is what scanWAV learned from the RIFF chunks.
type wavInfo struct {
	channels int
	rate     int
	bits     int
	data     []byte // whole sample frames only
}

// scanWAV walks the RIFF chunks itself before any decoder sees the file: go-audio/wav
// sizes its allocations from untrusted chunk headers, so only a checked, canonical
// header is ever handed to it.
func scanWAV(b []byte) (wavInfo, error) {
	var info wavInfo
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return info, fmt.Errorf("reading RIFF header: %w", ErrNotWAV)
	}
	var fmtChunk, data []byte
	haveFmt, haveData := false, false
	// The RIFF size is ignored: streaming writers leave it 0 or wrong, the file
	// length is what counts.
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := int64(off + 8)
		end := body + size
		if id == "data" && size == 0 {
			// Streaming and crashed writers leave the data size 0: the samples run
			// to the end of the file.
			end = int64(len(b))
		}
		if end > int64(len(b)) {
			if id != "data" {
				return info, fmt.Errorf("reading %q chunk: size %d past end of file: %w", id, size, ErrNotWAV)
			}
			// A truncated recording still plays up to where it stops.
			end = int64(len(b))
		}
		switch {
		case id == "fmt " && !haveFmt:
			fmtChunk, haveFmt = b[body:end], true
		case id == "data" && !haveData:
			data, haveData = b[body:end], true
		}
		next := end + size&1 // RIFF chunks are word aligned
		if (haveFmt && haveData) || next > int64(len(b)) {
			break
		}
		off = int(next)
	}
	if !haveFmt {
		return info, fmt.Errorf("looking for fmt chunk: %w", ErrNotWAV)
	}
	if !haveData {
		return info, fmt.Errorf("looking for data chunk: %w", ErrNotWAV)
	}
	if err := parseFmt(fmtChunk, &info); err != nil {
		return info, err
	}
	block := info.channels * info.bits / 8
	frames := len(data) / block
	if frames == 0 {
		return info, fmt.Errorf("reading data chunk: %w", ErrNoAudio)
	}
	if frames/info.rate > maxDuration {
		return info, fmt.Errorf("prompt lasts %d s, limit %d s: %w", frames/info.rate, maxDuration, ErrTooLarge)
	}
	info.data = data[:frames*block]
	return info, nil
}

// parseFmt reads a WAVEFORMATEX or WAVEFORMATEXTENSIBLE fmt chunk.
func parseFmt(c []byte, info *wavInfo) error {
	if len(c) < 16 {
		return fmt.Errorf("reading fmt chunk of %d bytes: %w", len(c), ErrNotWAV)
	}
	format := binary.LittleEndian.Uint16(c[0:2])
	info.channels = int(binary.LittleEndian.Uint16(c[2:4]))
	info.rate = int(binary.LittleEndian.Uint32(c[4:8]))
	info.bits = int(binary.LittleEndian.Uint16(c[14:16]))
	if format == formatExtensible {
		// The sub-format GUID starts at byte 24; its first two bytes carry the
		// format code (PCM = 1).
		if len(c) < 40 {
			return fmt.Errorf("reading extensible fmt chunk of %d bytes: %w", len(c), ErrNotWAV)
		}
		format = binary.LittleEndian.Uint16(c[24:26])
	}
	if format != formatPCM {
		return fmt.Errorf("format code %#04x is not integer PCM: %w", format, ErrUnsupportedFormat)
	}
	switch info.bits {
	case 8, 16, 24, 32:
	default:
		return fmt.Errorf("%d bits per sample: %w", info.bits, ErrUnsupportedFormat)
	}
	if info.channels < 1 || info.channels > maxChannels {
		return fmt.Errorf("%d channels: %w", info.channels, ErrUnsupportedFormat)
	}
	if info.rate < minInputRate || info.rate > maxInputRate {
		return fmt.Errorf("sample rate %d Hz outside %d..%d: %w", info.rate, minInputRate, maxInputRate, ErrUnsupportedFormat)
	}
	return nil
}

// canonicalWAV rebuilds a plain 44-byte-header WAV around the checked data.
func canonicalWAV(info wavInfo) []byte {
	block := info.channels * info.bits / 8
	out := make([]byte, 44, 44+len(info.data))
	copy(out[0:], "RIFF")
	binary.LittleEndian.PutUint32(out[4:], uint32(36+len(info.data)))
	copy(out[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(out[16:], 16)
	binary.LittleEndian.PutUint16(out[20:], formatPCM)
	binary.LittleEndian.PutUint16(out[22:], uint16(info.channels))
	binary.LittleEndian.PutUint32(out[24:], uint32(info.rate))
	binary.LittleEndian.PutUint32(out[28:], uint32(info.rate*block))
	binary.LittleEndian.PutUint16(out[32:], uint16(block))
	binary.LittleEndian.PutUint16(out[34:], uint16(info.bits))
	copy(out[36:], "data")
	binary.LittleEndian.PutUint32(out[40:], uint32(len(info.data)))
	return append(out, info.data...)
}
