package sealing

import (
	"context"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent"
)

// Opener gives the private keys of the key store's key named name (a party's ring);
// ErrNoKey when there is none.
type Opener func(ctx context.Context, name string) ([]age.Identity, error)

// Identities is an Opener of fixed identities (an age identity file, public-key mode):
// they are tried on every stream.
func Identities(ids ...age.Identity) Opener {
	return func(context.Context, string) ([]age.Identity, error) {
		if len(ids) == 0 {
			return nil, ErrNoKey
		}
		return ids, nil
	}
}

// Decrypted says what DecryptRecording could open.
type Decrypted struct {
	Frames int64
	// Opened and Missing name the parties (caller, agent) whose channel was decrypted,
	// and those written as silence: no key opens them (destroyed by an erase, or not
	// given).
	Opened, Missing []string
}

// DecryptRecording writes the sealed recording object obj (size bytes; streams as its
// metadata describes them) as a stereo WAV: the caller's channel on the left, the
// agent's on the right, silence for a channel no key of open opens. Every chunk of a
// channel it writes is authenticated first; a channel that opens but is corrupt is an
// error, never silence.
func DecryptRecording(ctx context.Context, obj io.ReaderAt, size int64, streams []consent.SealedStream, open Opener, w io.Writer) (Decrypted, error) {
	var d Decrypted
	channels := make([]io.Reader, 2)
	d.Frames = -1
	for _, st := range streams {
		i := map[string]int{PartyCaller: 0, PartyAgent: 1}[st.Party]
		if st.Party != PartyCaller && st.Party != PartyAgent || st.Offset < 0 || st.Size < 0 || st.Offset+st.Size > size {
			return d, fmt.Errorf("sealed recording: stream %q at %d+%d of %d bytes: not this format", st.Party, st.Offset, st.Size, size)
		}
		if d.Frames < 0 || st.Frames < d.Frames {
			d.Frames = st.Frames
		}
		ids, err := open(ctx, st.Key)
		if err == nil {
			var pcm io.Reader
			if pcm, err = OpenStream(io.NewSectionReader(obj, st.Offset, st.Size), ids...); err == nil {
				channels[i] = pcm
				d.Opened = append(d.Opened, st.Party)
				continue
			}
			var noMatch *age.NoIdentityMatchError
			if !errors.As(err, &noMatch) {
				return d, fmt.Errorf("the %s's channel: %w", st.Party, err)
			}
		} else if !errors.Is(err, ErrNoKey) {
			return d, fmt.Errorf("the %s's key: %w", st.Party, err)
		}
		d.Missing = append(d.Missing, st.Party)
	}
	if d.Frames < 0 {
		return d, errors.New("sealed recording: no streams")
	}
	if _, err := WriteWAV(w, d.Frames, channels...); err != nil {
		return d, err
	}
	// Frames comes from the metadata, which nothing authenticates: each stream is read to
	// its end, so one cut at a chunk boundary (age's last-chunk flag missing) is refused
	// rather than decrypted short.
	for i, ch := range channels {
		if ch == nil {
			continue
		}
		if _, err := io.Copy(io.Discard, ch); err != nil {
			return d, fmt.Errorf("the %s's channel: %w", [2]string{PartyCaller, PartyAgent}[i], err)
		}
	}
	return d, nil
}
