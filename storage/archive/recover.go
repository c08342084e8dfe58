package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/consentgw/consentgw/recorder/wavfile"
)

// recover finishes the recordings an earlier run left in progress (the process was killed
// mid-call): each WAV is cut to the whole frames on disk, its header fixed, and it is
// queued for storage with its metadata. It runs before the worker and before any call.
func (a *Archiver) recover() (int, error) {
	n := 0
	for _, j := range a.list(kindActive) {
		var rec Recording
		if err := a.read(j, &rec); err != nil {
			a.drop(j, err)
			continue
		}
		wav := a.wavPath(rec.Receipt.ID)
		frames, err := wavfile.Repair(wav)
		if errors.Is(err, os.ErrNotExist) {
			os.Remove(j.path) // nothing was recorded yet
			continue
		}
		if err != nil {
			return n, fmt.Errorf("archive: repairing %s: %w", wav, err)
		}
		info, err := os.Stat(wav)
		if err != nil {
			return n, fmt.Errorf("archive: %w", err)
		}
		sum, err := fileSHA256(wav)
		if err != nil {
			return n, fmt.Errorf("archive: %w", err)
		}
		rec.Frames, rec.SHA256, rec.EndedAt, rec.Repaired = frames, sum, info.ModTime().UTC(), true
		if err := a.Recording(rec); err != nil {
			return n, err
		}
		a.log.Info("recording of an interrupted call repaired and queued", "consent_id", rec.Receipt.ID, "frames", frames)
		n++
	}
	return n, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
