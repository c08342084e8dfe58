package sealed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent/sealing"
)

// ErrNotSealed means Repair was given a file that is no age stream of this file key.
var ErrNotSealed = errors.New("sealed: not a sealed stream of this recording")

// Repair rewrites the stream at path, left behind by a gateway killed mid-call, into a
// whole age file at dst: every chunk that reached the disk is decrypted (each one
// authenticated, so nothing forged or torn is kept) and encrypted again, with a new file
// key, to recipients, ending in a proper last chunk. STREAM marks the last chunk (RFC-less,
// https://age-encryption.org/v1: the nonce's last byte), so a truncated stream cannot be
// made whole without its file key: spoolKey is that key as SpoolKeys returned it, and
// spool the identity that opens it. The audio lost is the chunk the writer still held, at
// most sealing.ChunkDuration, and a trailing odd byte. It returns the frames kept and the new
// stream's file key, encrypted to spoolRecipient, for a later repair of dst, and dropped,
// the bytes of the file after the chunks kept: less than a whole encrypted chunk for a
// torn tail, more when a chunk in the middle failed to authenticate (see DroppedChunk).
func Repair(path, dst string, spoolKey []byte, spool age.Identity, spoolRecipient age.Recipient, recipients []age.Recipient) (frames int64, newSpoolKey []byte, dropped int64, err error) {
	fileKey, err := sealing.Open(spoolKey, spool)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("opening the stream's file key: %w", err)
	}
	defer clear(fileKey)
	src, err := os.Open(path)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("opening sealed stream for repair: %w", err)
	}
	defer src.Close()
	plain, err := age.Decrypt(src, age.NewInjectedFileKeyIdentity(fileKey))
	if err != nil {
		return 0, nil, 0, fmt.Errorf("reading sealed stream header: %w: %w", ErrNotSealed, err)
	}
	// A temporary file renamed into place once whole: a repair cut short (a full disk,
	// a kill) never leaves a torn dst, nor truncates a file already there. It is named
	// like dst (<dst>.tmp-N with dst's extension), so what sweeps or discards a call's
	// streams takes it too.
	ext := filepath.Ext(dst)
	out, err := os.CreateTemp(filepath.Dir(dst), strings.TrimSuffix(filepath.Base(dst), ext)+".tmp-*"+ext)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("creating repaired stream: %w", err)
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	var newKey []byte
	enc, err := age.Encrypt(out, append([]age.Recipient{keeper{&newKey}}, recipients...)...)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("creating repaired stream: %w", err)
	}
	defer clear(newKey)
	// Whole samples only: a torn sample would shift the rest of the channel.
	n, read, err := copyWhole(enc, plain)
	if err != nil {
		return 0, nil, 0, err
	}
	if dropped, err = droppedBytes(src, read); err != nil {
		return 0, nil, 0, err
	}
	if err := enc.Close(); err != nil {
		return 0, nil, 0, fmt.Errorf("finishing repaired stream: %w", err)
	}
	if err := out.Sync(); err != nil {
		return 0, nil, 0, fmt.Errorf("syncing repaired stream: %w", err)
	}
	if err := out.Close(); err != nil {
		return 0, nil, 0, fmt.Errorf("closing repaired stream: %w", err)
	}
	if newSpoolKey, err = sealing.Seal(newKey, spoolRecipient); err != nil {
		return 0, nil, 0, fmt.Errorf("sealing the repaired stream's file key: %w", err)
	}
	if err = os.Rename(out.Name(), dst); err != nil {
		return 0, nil, 0, fmt.Errorf("placing repaired stream: %w", err)
	}
	return n / sealing.SampleBytes, newSpoolKey, dropped, nil
}

// chunkOverhead is what age's STREAM adds to each chunk: its Poly1305 tag.
const chunkOverhead = 16

// DroppedChunk is the least a repair drops when a chunk failed to authenticate in the
// middle of a stream rather than at its torn end: a whole encrypted chunk.
const DroppedChunk = sealing.ChunkBytes + chunkOverhead

// droppedBytes is how much of the stream file src lies after the chunks whose plaintext,
// read bytes of it, a repair kept: the file's size less its header, the payload nonce
// and those chunks.
func droppedBytes(src *os.File, read int64) (int64, error) {
	st, err := src.Stat()
	if err != nil {
		return 0, fmt.Errorf("reading sealed stream for repair: %w", err)
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("reading sealed stream for repair: %w", err)
	}
	hdr, err := age.ExtractHeader(src)
	if err != nil {
		return 0, fmt.Errorf("reading sealed stream header: %w: %w", ErrNotSealed, err)
	}
	chunks := (read + sealing.ChunkBytes - 1) / sealing.ChunkBytes
	kept := int64(len(hdr)) + chunkOverhead + chunks*DroppedChunk // the nonce is 16 bytes too
	return max(st.Size()-kept, 0), nil
}

// copyWhole copies the authenticated plaintext of a possibly truncated stream, up to the
// last whole sample. Reading stops at the end of the chunks that reached the disk: age
// reports that as an unexpected EOF (no last chunk), or, for a torn chunk, as one that
// fails to authenticate. Either way what came before was authenticated.
// It returns the bytes written and the bytes read.
func copyWhole(dst io.Writer, src io.Reader) (written, read int64, err error) {
	buf := make([]byte, sealing.ChunkBytes)
	var total int64
	var carry []byte
	for {
		n, rerr := src.Read(buf)
		read += int64(n)
		data := append(carry, buf[:n]...)
		whole := len(data) - len(data)%sealing.SampleBytes
		if _, err := dst.Write(data[:whole]); err != nil {
			return total, read, fmt.Errorf("writing repaired stream: %w", err)
		}
		total += int64(whole)
		carry = bytes.Clone(data[whole:])
		var pathErr *fs.PathError
		switch {
		case errors.As(rerr, &pathErr):
			return total, read, fmt.Errorf("reading sealed stream for repair: %w", rerr)
		case rerr != nil:
			return total, read, nil // EOF, or the truncation: the end of what can be kept
		}
	}
}
