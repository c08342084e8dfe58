package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
)

// Sealed is a recording spooled as its parties' encrypted streams (recorder/sealed, in
// the format of consent/sealing), the caller's first: stored as one object, the streams
// back to back.
type Sealed struct {
	Format  string          `json:"format"`
	Streams []SpooledStream `json:"streams"`
}

// SpooledStream is one party's stream in the spool: what the metadata will say of it,
// its spool file, and its file key for a repair.
type SpooledStream struct {
	consent.SealedStream
	// File is the stream's file in the spool (a name, not a path).
	File string `json:"file"`
	// SpoolKey is the stream's file key encrypted to the node's spool key: it lets the
	// node repair the stream after a crash. It stays in the spool: never stored.
	SpoolKey []byte `json:"spool_key,omitempty"`
}

// SealedMeta is what a recording's metadata says of its streams.
type SealedMeta struct {
	Format  string                 `json:"format"`
	Streams []consent.SealedStream `json:"streams"`
}

// streamSuffix ends every stream file's name: <id>.<party>[.<n>].age.
const streamSuffix = ".age"

// StreamFile is the spool file name of a party's stream of a call.
func StreamFile(id, party string) string { return id + "." + party + streamSuffix }

// RepairedStreamFile is the file a repair of a stream writes: beside it, never over it,
// so a repair cut short leaves the stream as it was.
func RepairedStreamFile(file string) string {
	if base, ok := strings.CutSuffix(file, ".r"+streamSuffix); ok {
		return base + streamSuffix
	}
	return strings.TrimSuffix(file, streamSuffix) + ".r" + streamSuffix
}

// SpoolPath is the path of a file in the spool.
func (a *Archiver) SpoolPath(name string) string { return filepath.Join(a.o.Dir, filepath.Base(name)) }

// removeAudio removes whatever audio of the call the spool holds: its WAV, or its
// streams (repaired copies included).
func (a *Archiver) removeAudio(id string) {
	os.Remove(a.wavPath(id))
	streams, _ := filepath.Glob(filepath.Join(a.o.Dir, id+".*"+streamSuffix))
	for _, p := range streams {
		os.Remove(p)
	}
}

// sweepStreams removes the stream files no job names: left by a gateway that stopped
// between making a recording's streams and noting it, or by a repair whose result was
// noted. Run at start, before any call or upload.
func (a *Archiver) sweepStreams() {
	named := map[string]bool{}
	for _, j := range a.list(kindActive, kindRecording) {
		var rec Recording
		if a.read(j, &rec) == nil && rec.Sealed != nil {
			for _, s := range rec.Sealed.Streams {
				named[s.File] = true
			}
		}
	}
	streams, _ := filepath.Glob(filepath.Join(a.o.Dir, "*"+streamSuffix))
	for _, p := range streams {
		if name := filepath.Base(p); !named[name] && !strings.HasPrefix(name, ".") {
			a.log.Info("removing an encrypted stream no spooled recording names", "file", name)
			os.Remove(p)
		}
	}
}

// putSealed stores the streams as one object, the caller's first, and returns what the
// metadata says of them. Offsets and sizes are those of the files, which Finish summed.
func (a *Archiver) putSealed(ctx context.Context, key string, rec Recording) (*SealedMeta, int64, error) {
	var readers []io.Reader
	meta := &SealedMeta{Format: rec.Sealed.Format}
	var offset int64
	for _, s := range rec.Sealed.Streams {
		f, err := os.Open(a.SpoolPath(s.File))
		if err != nil {
			return nil, 0, fmt.Errorf("opening spooled stream: %w", err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, 0, fmt.Errorf("reading spooled stream: %w", err)
		}
		if st.Size() != s.Size {
			return nil, 0, fmt.Errorf("spooled stream %s is %d bytes, %d when it was summed: %w", s.File, st.Size(), s.Size, errChanged)
		}
		readers = append(readers, f)
		m := s.SealedStream
		m.Offset = offset
		offset += s.Size
		meta.Streams = append(meta.Streams, m)
	}
	sizes := make([]string, len(meta.Streams))
	for i, s := range meta.Streams {
		sizes[i] = fmt.Sprint(s.Size)
	}
	err := a.o.Store.Put(ctx, key, io.MultiReader(readers...), offset, storage.PutOptions{
		ContentType: "application/octet-stream",
		Metadata: map[string]string{
			"sha256": rec.SHA256, "consent-receipt-id": rec.Receipt.ID,
			"format": rec.Sealed.Format, "stream-sizes": strings.Join(sizes, ","),
		},
	})
	if err != nil {
		return nil, 0, fmt.Errorf("storing recording: %w", err)
	}
	return meta, offset, nil
}

// errChanged means a spooled stream is not what its job says: dropped, not retried.
var errChanged = errors.New("changed since it was summed")

// hasAudio reports whether the spool still holds the recording's audio.
func (a *Archiver) hasAudio(rec Recording) bool {
	if rec.Sealed == nil {
		_, err := os.Stat(a.wavPath(rec.Receipt.ID))
		return err == nil
	}
	for _, s := range rec.Sealed.Streams {
		if _, err := os.Stat(a.SpoolPath(s.File)); err != nil {
			return false
		}
	}
	return true
}
