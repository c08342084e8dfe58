// Package decrypt turns a stored recording back into a stereo WAV: a sealed one
// (consent/sealing) with the parties' keys it is given, a plain one as it is. It is what
// `consentgw decrypt` and the tests read recordings with.
package decrypt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/storage"
)

// ErrNotRecording means the key names no recording of the store's layout.
var ErrNotRecording = errors.New("decrypt: not a recording key (recordings/YYYY/MM/DD/<id>.sealed or .wav)")

// Metadata is what decrypting needs of a recording's metadata.
type Metadata struct {
	ID     string `json:"id"`
	Sealed *struct {
		Format  string                 `json:"format"`
		Streams []consent.SealedStream `json:"streams"`
	} `json:"sealed"`
}

// ReadMetadata reads the metadata beside a stored recording.
func ReadMetadata(ctx context.Context, st storage.Store, recordingKey string) (Metadata, error) {
	var m Metadata
	base, ok := cutExt(recordingKey)
	if !ok {
		return m, ErrNotRecording
	}
	if err := storage.GetJSON(ctx, st, base+".json", 1<<20, &m); err != nil {
		return m, fmt.Errorf("reading the recording's metadata: %w", err)
	}
	return m, nil
}

func cutExt(key string) (string, bool) {
	if !strings.HasPrefix(key, "recordings/") {
		return "", false
	}
	for _, ext := range []string{".sealed", ".wav"} {
		if base, ok := strings.CutSuffix(key, ext); ok {
			return base, true
		}
	}
	return "", false
}

// Stored writes the stored recording at recordingKey to w as a stereo WAV. A sealed one
// is fetched into a temporary file (streams are read side by side) and decrypted with
// open; a channel no key opens is silence and named in the result. A plain WAV is copied.
func Stored(ctx context.Context, st storage.Store, open sealing.Opener, recordingKey string, w io.Writer) (sealing.Decrypted, error) {
	m, err := ReadMetadata(ctx, st, recordingKey)
	if err != nil {
		return sealing.Decrypted{}, err
	}
	rc, _, err := st.Get(ctx, recordingKey)
	if err != nil {
		return sealing.Decrypted{}, fmt.Errorf("reading %s: %w", recordingKey, err)
	}
	defer rc.Close()
	if m.Sealed == nil {
		_, err := io.Copy(w, rc)
		return sealing.Decrypted{Opened: []string{sealing.PartyCaller, sealing.PartyAgent}}, err
	}
	tmp, err := os.CreateTemp("", "consentgw-sealed-*")
	if err != nil {
		return sealing.Decrypted{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	size, err := io.Copy(tmp, rc)
	if err != nil {
		return sealing.Decrypted{}, fmt.Errorf("reading %s: %w", recordingKey, err)
	}
	return File(ctx, tmp, size, m, open, w)
}

// File decrypts a sealed recording read from a local file (a copy of the object), with the
// streams its metadata m describes.
func File(ctx context.Context, obj io.ReaderAt, size int64, m Metadata, open sealing.Opener, w io.Writer) (sealing.Decrypted, error) {
	if m.Sealed == nil || m.Sealed.Format != sealing.Format {
		return sealing.Decrypted{}, fmt.Errorf("decrypt: the metadata describes no %s recording", sealing.Format)
	}
	return sealing.DecryptRecording(ctx, obj, size, m.Sealed.Streams, open, w)
}
