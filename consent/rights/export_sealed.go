package rights

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/consent/subject"
)

// Why a bundle leaves a channel of a sealed recording out (ManifestChannel.Withheld).
const (
	WithheldOtherPerson  = "another person's audio"
	WithheldKeyDestroyed = "its key was destroyed: the audio can no longer be read"
)

// sealedMeta is what an export reads of a sealed recording's metadata.
type sealedMeta struct {
	Sealed *struct {
		Format  string                 `json:"format"`
		Streams []consent.SealedStream `json:"streams"`
	} `json:"sealed"`
}

// sealedStreams returns the streams of a recording's metadata, nil for a plain WAV.
func sealedStreams(metadata json.RawMessage) ([]consent.SealedStream, bool) {
	var m sealedMeta
	if json.Unmarshal(metadata, &m) != nil || m.Sealed == nil || m.Sealed.Format != sealing.Format {
		return nil, false
	}
	return m.Sealed.Streams, true
}

// own reports whether the stream is the subject's: it names the subject among its party's.
func own(s consent.SealedStream, subjectKey string) bool {
	return slices.ContainsFunc(s.Subjects, func(r consent.SubjectRef) bool { return r.Key == subjectKey })
}

// copySealed adds the subject's own channels of a sealed recording to the bundle, and
// says in the manifest which it left out and why. A channel of the subject's is decrypted
// into a mono WAV (recordings/<id>.<party>.wav) with its party's key from the key store;
// in public-key mode (the stream names no key) it is the stream as stored, still
// encrypted to the deployment's recipients (<id>.<party>.age). The object is read once,
// front to back: streams are taken in their order.
func (s *Service) copySealed(ctx context.Context, zw *zip.Writer, c exportCall, streams []consent.SealedStream, subjectKey string) (ManifestRecording, error) {
	rec := ManifestRecording{Metadata: c.metadata}
	rc, info, err := s.o.Store.Get(ctx, c.recording)
	if err != nil {
		return rec, err
	}
	defer rc.Close()
	var at int64
	for _, st := range streams {
		ch := ManifestChannel{Party: st.Party}
		if _, err := io.CopyN(io.Discard, rc, st.Offset-at); err != nil {
			return rec, fmt.Errorf("reading %s: %w", c.recording, err)
		}
		body := io.LimitReader(rc, st.Size)
		at = st.Offset + st.Size
		switch {
		case !own(st, subjectKey):
			ch.Withheld = WithheldOtherPerson
		case st.Key == "" || s.o.KeyStore == nil:
			ch.File = "recordings/" + c.id + "." + st.Party + ".age"
			ch.Encrypted, ch.Recipients = true, st.Recipients
			ch.Size, err = s.addFile(zw, ch.File, info.Modified, body)
		default:
			ch.File = "recordings/" + c.id + "." + st.Party + ".wav"
			ch.Size, err = s.addDecrypted(ctx, zw, ch.File, info.Modified, st, body)
			if errors.Is(err, sealing.ErrNoKey) {
				ch = ManifestChannel{Party: st.Party, Withheld: WithheldKeyDestroyed}
				err = nil
			}
		}
		if err != nil {
			return rec, fmt.Errorf("exporting the %s's channel of %s: %w", st.Party, c.recording, err)
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return rec, fmt.Errorf("reading %s: %w", c.recording, err)
		}
		rec.Channels = append(rec.Channels, ch)
	}
	return rec, nil
}

// addDecrypted writes a stream's audio, decrypted, as a mono WAV. The key is looked up
// before the zip entry is made, so a destroyed key leaves no empty file.
func (s *Service) addDecrypted(ctx context.Context, zw *zip.Writer, name string, modified time.Time, st consent.SealedStream, body io.Reader) (int64, error) {
	ids, err := s.o.KeyStore.Identities(ctx, st.Key)
	if err != nil {
		return 0, err
	}
	pcm, err := sealing.OpenStream(body, ids...)
	if err != nil {
		return 0, err
	}
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: modified.UTC()})
	if err != nil {
		return 0, err
	}
	n, err := sealing.WriteWAV(f, st.Frames, pcm)
	if err != nil {
		return n, err
	}
	// Read to the end: the last chunk is authenticated as the last.
	if _, err := io.Copy(io.Discard, pcm); err != nil {
		return n, err
	}
	return n, nil
}

// addFile copies r into the bundle as name, uncompressed.
func (s *Service) addFile(zw *zip.Writer, name string, modified time.Time, r io.Reader) (int64, error) {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: modified.UTC()})
	if err != nil {
		return 0, err
	}
	return io.Copy(f, r)
}

// callerIDs opens the sealed Call-IDs of the receipts whose caller is the subject, for
// the manifest: the caller's own data, which the receipts keep encrypted to their key.
func (s *Service) callerIDs(ctx context.Context, receipts []json.RawMessage, subjectKey string) (map[string]string, error) {
	if s.o.KeyStore == nil {
		return nil, nil
	}
	out := map[string]string{}
	for _, raw := range receipts {
		var r consent.Receipt
		if json.Unmarshal(raw, &r) != nil || r.SIPCallIDSealed == "" {
			continue
		}
		var caller []consent.SubjectRef
		for _, sub := range r.Subjects {
			if sub.Type != string(subject.TypeAgent) {
				caller = append(caller, sub)
			}
		}
		if !slices.ContainsFunc(caller, func(c consent.SubjectRef) bool { return c.Key == subjectKey }) {
			continue
		}
		ids, err := s.o.KeyStore.Identities(ctx, sealing.PartyKeyName(caller, r.ID, sealing.PartyCaller))
		if errors.Is(err, sealing.ErrNoKey) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if id, err := sealing.OpenText(r.SIPCallIDSealed, ids...); err == nil {
			out[r.ID] = id
		}
	}
	return out, nil
}
