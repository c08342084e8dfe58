package wavfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"
)

// bufferBytes is a quarter of a second of audio per write(2): every live recording holds
// one, so it is weighed against a call's memory and the audio a crash loses (what is
// still in the buffer when the process dies) as much as against system calls.
const bufferBytes = 8 << 10

// BufferDuration is the audio the write buffer holds at most: what a process killed
// mid-call loses of the file, beyond what the recorder had not yet handed it. Written
// bytes are in the kernel's page cache, which a killed process does not lose.
const BufferDuration = bufferBytes / FrameBytes * time.Second / SampleRate

// Writer streams stereo frames into a spool file. It is not safe for concurrent
// use; the recorder serialises its calls.
type Writer struct {
	f       *os.File
	bw      *bufio.Writer
	path    string
	frames  int64
	scratch [4 * 160]byte // one 20 ms stereo frame interleaved, reused
	closed  bool
}

// Create makes a new spool file at path. It fails if the file exists, so two calls
// can never write into one recording. The header carries zero sizes until Close;
// Repair fixes them if Close never happens.
func Create(path string) (*Writer, error) {
	// 0600: a recording is personal data, readable by the gateway only.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating spool file: %w", err)
	}
	w := &Writer{f: f, bw: bufio.NewWriterSize(f, bufferBytes), path: path}
	h := header(0)
	if _, err := w.bw.Write(h[:]); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("writing spool header: %w", err)
	}
	return w, nil
}

// Path is the spool file's path.
func (w *Writer) Path() string { return w.path }

// WriteFrame appends len(left) sample frames, left and right interleaved.
func (w *Writer) WriteFrame(left, right []int16) error {
	if w.closed {
		return ErrClosed
	}
	if len(left) != len(right) {
		return fmt.Errorf("writing %d left and %d right samples: %w", len(left), len(right), ErrFrameMismatch)
	}
	if (w.frames+int64(len(left)))*FrameBytes > maxDataBytes {
		return fmt.Errorf("writing frame %d: %w", w.frames, ErrFull)
	}
	for len(left) > 0 {
		n := min(len(left), len(w.scratch)/FrameBytes)
		b := w.scratch[:n*FrameBytes]
		for i := range n {
			binary.LittleEndian.PutUint16(b[i*4:], uint16(left[i]))
			binary.LittleEndian.PutUint16(b[i*4+2:], uint16(right[i]))
		}
		if _, err := w.bw.Write(b); err != nil {
			return fmt.Errorf("writing spool frames: %w", err)
		}
		w.frames += int64(n)
		left, right = left[n:], right[n:]
	}
	return nil
}

// Frames is the number of sample frames written so far.
func (w *Writer) Frames() int64 { return w.frames }

// Close flushes the buffer, writes the final sizes into the header and syncs the
// file to disk, so the recording survives a crash after Close returns.
func (w *Writer) Close() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	err := w.finish()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing spool file: %w", cerr)
	}
	return err
}

func (w *Writer) finish() error {
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("flushing spool file: %w", err)
	}
	if err := patchSizes(w.f, uint32(w.frames*FrameBytes)); err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("syncing spool file: %w", err)
	}
	return nil
}

// Abort closes the writer, if still open, and removes the file: nothing of the
// recording stays on disk.
func (w *Writer) Abort() error {
	var err error
	if !w.closed {
		w.closed = true
		err = w.f.Close()
	}
	if rerr := os.Remove(w.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		return fmt.Errorf("removing spool file: %w", rerr)
	}
	if err != nil {
		return fmt.Errorf("closing aborted spool file: %w", err)
	}
	return nil
}

func patchSizes(f *os.File, dataBytes uint32) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], dataBytes+HeaderSize-8)
	if _, err := f.WriteAt(b[:], riffSizeOffset); err != nil {
		return fmt.Errorf("writing RIFF size: %w", err)
	}
	binary.LittleEndian.PutUint32(b[:], dataBytes)
	if _, err := f.WriteAt(b[:], dataSizeOffset); err != nil {
		return fmt.Errorf("writing data size: %w", err)
	}
	return nil
}
