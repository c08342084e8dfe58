// Package sealed writes a call's audio encrypted as it is recorded, one stream per party
// in the format of consent/sealing: the caller's channel and the agent's, each a mono PCM
// stream encrypted with age to its party's key alone. The spool never holds a sample in
// clear.
//
// Each stream's file key (age's data key) is also kept, encrypted to the node's spool key,
// in the recording's spool job: a gateway killed mid-call repairs the stream at its next
// start (Repair) without the parties' keys, which it may not even hold (public-key mode).
package sealed

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent/sealing"
)

var (
	// ErrClosed means the writer was already closed or aborted.
	ErrClosed = errors.New("sealed: writer closed")
	// ErrFrameMismatch means WriteFrame got channels of different lengths.
	ErrFrameMismatch = errors.New("sealed: caller and agent frames differ in length")
	// ErrNoRecipient means a stream had no one to encrypt to.
	ErrNoRecipient = errors.New("sealed: a stream has no recipient")
)

// Stream is one party's channel: its spool file and who may read it.
type Stream struct {
	Path       string
	Recipients []age.Recipient
}

// Options says where the two streams go.
type Options struct {
	Caller, Agent Stream
	// Spool is the node's spool key: each stream's file key is encrypted to it for Repair.
	Spool age.Recipient
}

// Writer takes stereo frames and writes each channel into its party's stream. It is not
// safe for concurrent use; the recorder serialises its calls.
type Writer struct {
	ch      [2]*stream
	frames  int64
	closed  bool
	scratch [2][sealing.SampleBytes * 160]byte // one 20 ms slot per channel, reused
}

type stream struct {
	path    string
	f       *os.File
	enc     io.WriteCloser
	spoolFK []byte // the file key as an age file to the spool key
}

// Create makes both spool files (failing if either exists, so two calls never share one)
// and writes their age headers.
func Create(o Options) (*Writer, error) {
	w := &Writer{}
	for i, s := range []Stream{o.Caller, o.Agent} {
		st, err := create(s, o.Spool)
		if err != nil {
			w.Abort()
			return nil, err
		}
		w.ch[i] = st
	}
	return w, nil
}

func create(s Stream, spool age.Recipient) (*stream, error) {
	if len(s.Recipients) == 0 {
		return nil, fmt.Errorf("creating sealed stream %s: %w", s.Path, ErrNoRecipient)
	}
	// 0600: ciphertext, but still the gateway's alone.
	f, err := os.OpenFile(s.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating sealed stream: %w", err)
	}
	st := &stream{path: s.Path, f: f}
	var fileKey []byte
	recipients := append([]age.Recipient{keeper{&fileKey}}, s.Recipients...)
	if st.enc, err = age.Encrypt(f, recipients...); err == nil {
		st.spoolFK, err = sealing.Seal(fileKey, spool)
	}
	clear(fileKey)
	if err != nil {
		f.Close()
		os.Remove(s.Path)
		return nil, fmt.Errorf("creating sealed stream %s: %w", s.Path, err)
	}
	return st, nil
}

// keeper is a recipient that wraps nothing: it notes the file key age made, so the
// stream can be repaired after a crash (see Repair). It adds no stanza to the header.
type keeper struct{ key *[]byte }

func (k keeper) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	*k.key = bytes.Clone(fileKey)
	return nil, nil
}

// SpoolKeys are the two streams' file keys (caller, agent), each an age file encrypted
// to the spool key: what Repair needs. Keep them with the recording in the spool only.
func (w *Writer) SpoolKeys() (caller, agent []byte) { return w.ch[0].spoolFK, w.ch[1].spoolFK }

// WriteFrame appends len(left) sample frames: left to the caller's stream, right to the
// agent's.
func (w *Writer) WriteFrame(left, right []int16) error {
	if w.closed {
		return ErrClosed
	}
	if len(left) != len(right) {
		return fmt.Errorf("writing %d caller and %d agent samples: %w", len(left), len(right), ErrFrameMismatch)
	}
	for len(left) > 0 {
		n := min(len(left), len(w.scratch[0])/sealing.SampleBytes)
		for i, pcm := range [2][]int16{left[:n], right[:n]} {
			b := w.scratch[i][:n*sealing.SampleBytes]
			for j, s := range pcm {
				binary.LittleEndian.PutUint16(b[j*sealing.SampleBytes:], uint16(s))
			}
			if _, err := w.ch[i].enc.Write(b); err != nil {
				return fmt.Errorf("writing sealed stream: %w", err)
			}
		}
		w.frames += int64(n)
		left, right = left[n:], right[n:]
	}
	return nil
}

// Frames is the number of sample frames written so far.
func (w *Writer) Frames() int64 { return w.frames }

// Close writes each stream's last chunk and syncs both files to disk.
func (w *Writer) Close() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	var errs []error
	for _, st := range w.ch {
		err := st.enc.Close()
		if err == nil {
			err = st.f.Sync()
		}
		if cerr := st.f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("closing sealed stream %s: %w", st.path, err))
		}
	}
	return errors.Join(errs...)
}

// Abort closes the writer, if still open, and removes both files.
func (w *Writer) Abort() error {
	open := !w.closed
	w.closed = true
	var errs []error
	for _, st := range w.ch {
		if st == nil {
			continue
		}
		if open {
			st.f.Close()
		}
		if err := os.Remove(st.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing sealed stream: %w", err))
		}
	}
	return errors.Join(errs...)
}
