package spool

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/recorder/sealed"
	"github.com/consentgw/consentgw/recorder/wavfile"
	"github.com/consentgw/consentgw/storage/archive"
)

// SealedCrashLossMax bounds the audio at the end of a sealed recording that a gateway
// killed mid-call loses: what the recorder had not written yet (recorder.CrashLossMax
// without the WAV's write buffer) and the chunk each stream was filling, which age writes
// only once it is full (sealing.ChunkDuration, 4.096 s). About 4.8 s.
const SealedCrashLossMax = recorder.CrashLossMax - wavfile.BufferDuration + sealing.ChunkDuration

// createSealed makes the call's two encrypted streams in the spool, each to its party's
// key, and returns the writer and the recording's spool description (with the streams'
// file keys sealed to the spool key, for a repair).
func (s *Spool) createSealed(id string, caller, agent *keyFetch) (*sealed.Writer, *archive.Sealed, error) {
	a := s.o.Archive
	info := &archive.Sealed{Format: sealing.Format}
	var streams [2]sealed.Stream
	for i, f := range []*keyFetch{caller, agent} {
		party := []string{sealing.PartyCaller, sealing.PartyAgent}[i]
		file := archive.StreamFile(id, party)
		streams[i] = sealed.Stream{Path: a.SpoolPath(file), Recipients: f.key.AgeRecipients()}
		st := archive.SpooledStream{File: file}
		st.Party, st.Subjects, st.Key, st.KeyID, st.Recipients = party, f.subjects, f.key.Name, f.key.KeyID, f.key.Strings()
		info.Streams = append(info.Streams, st)
	}
	w, err := sealed.Create(sealed.Options{Caller: streams[0], Agent: streams[1], Spool: s.o.SpoolKey.Recipient()})
	if err != nil {
		return nil, nil, err
	}
	info.Streams[0].SpoolKey, info.Streams[1].SpoolKey = w.SpoolKeys()
	return w, info, nil
}

// sumSealed fills in each stream's size and returns the checksum of the object the
// streams make, back to back: one read of what was written, as a WAV's is summed.
func (s *Spool) sumSealed(info *archive.Sealed) (string, error) {
	whole := sha256.New()
	for i := range info.Streams {
		st := &info.Streams[i]
		f, err := os.Open(s.o.Archive.SpoolPath(st.File))
		if err != nil {
			return "", fmt.Errorf("summing sealed stream: %w", err)
		}
		n, err := io.Copy(whole, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("summing sealed stream: %w", err)
		}
		st.Size = n
	}
	return hex.EncodeToString(whole.Sum(nil)), nil
}

// repairSealed makes the streams of a recording whose writing stopped (a crash, a full
// disk) whole again: each is rewritten from its whole chunks to a new file beside it,
// ended with a proper last chunk (sealed.Repair), and it returns a new description that
// points at the new files. info is left as it is: it is what the recording's note in
// the spool says, which a retry or the next start repairs again from. When a stream
// fails, the new files already made are removed. A kill between the two channels'
// writes can leave one a chunk longer: the recording's frames are the shorter's, and
// each stream says its own.
func (s *Spool) repairSealed(info *archive.Sealed) (repaired *archive.Sealed, frames int64, err error) {
	a := s.o.Archive
	repaired = &archive.Sealed{Format: info.Format, Streams: slices.Clone(info.Streams)}
	var made []string
	defer func() {
		if err != nil {
			removeFiles(a, made)
		}
	}()
	frames = -1
	for i := range repaired.Streams {
		st := &repaired.Streams[i]
		var recipients []age.Recipient
		for _, r := range st.Recipients {
			rec, err := age.ParseX25519Recipient(r)
			if err != nil {
				return nil, 0, fmt.Errorf("repairing sealed stream %s: %w: %w", st.File, sealed.ErrNotSealed, err)
			}
			recipients = append(recipients, rec)
		}
		file := archive.RepairedStreamFile(st.File)
		n, key, dropped, err := sealed.Repair(a.SpoolPath(st.File), a.SpoolPath(file), st.SpoolKey, s.o.SpoolKey, s.o.SpoolKey.Recipient(), recipients)
		if err != nil {
			return nil, 0, fmt.Errorf("repairing sealed stream %s: %w", st.File, err)
		}
		if dropped >= sealed.DroppedChunk {
			// More than a torn tail: a chunk in the middle failed to authenticate (the
			// disk or someone changed the file), and the audio after it is lost.
			var size int64
			if fi, err := os.Stat(a.SpoolPath(st.File)); err == nil {
				size = fi.Size()
			}
			s.log.Error("a chunk in the middle of an encrypted stream failed authentication: the repair kept the audio before it and dropped the rest",
				"file", st.File, "frames_kept", n, "bytes_kept", size-dropped, "bytes_dropped", dropped, "bytes", size)
		}
		made = append(made, file)
		st.File, st.SpoolKey, st.Frames = file, key, n
		if frames < 0 || n < frames {
			frames = n
		}
	}
	return repaired, max(frames, 0), nil
}

// streamFiles are the spool files of a recording's streams.
func streamFiles(info *archive.Sealed) []string {
	var files []string
	for _, st := range info.Streams {
		files = append(files, st.File)
	}
	return files
}
