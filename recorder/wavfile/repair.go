package wavfile

import (
	"fmt"
	"io"
	"os"
)

// Repair fixes a spool file left behind by a crash: its header sizes are zero or
// stale. It keeps every whole sample frame on disk, truncates a partial trailing
// frame, writes the matching sizes and syncs. It returns the frame count.
func Repair(path string) (frames int64, err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, fmt.Errorf("opening spool file for repair: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing repaired spool file: %w", cerr)
		}
	}()
	var h [HeaderSize]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return 0, fmt.Errorf("reading spool header: %w: %w", ErrNotSpool, err)
	}
	if !isSpoolHeader(h[:]) {
		return 0, fmt.Errorf("checking spool header: %w", ErrNotSpool)
	}
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("sizing spool file: %w", err)
	}
	frames = min((st.Size()-HeaderSize)/FrameBytes, maxDataBytes/FrameBytes)
	size := HeaderSize + frames*FrameBytes
	if size != st.Size() {
		if err := f.Truncate(size); err != nil {
			return 0, fmt.Errorf("truncating partial frame: %w", err)
		}
	}
	if err := patchSizes(f, uint32(frames*FrameBytes)); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("syncing repaired spool file: %w", err)
	}
	return frames, nil
}
