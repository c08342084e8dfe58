package spool

import (
	"errors"
	"os"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/recorder/wavfile"
)

// recover finishes the recordings an earlier run left in progress (the process was
// killed during the call): each WAV is cut to the whole frames on disk, its header
// fixed, and it is queued for the store as repaired, so the receipt says so. The audio
// lost at its end is at most recorder.CrashLossMax. A WAV that is no spool file is
// deleted and its receipt says discarded; one that cannot be read now stays for the next
// start.
func (s *Spool) recover() {
	a := s.o.Archive
	for _, rec := range a.Interrupted() {
		id := rec.Receipt.ID
		log := s.log.With("consent_id", id)
		path := a.WAVPath(id)
		frames, err := wavfile.Repair(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			a.RecordingDiscarded(id) // it stopped before the WAV was made: nothing recorded
			continue
		case errors.Is(err, wavfile.ErrNotSpool):
			a.RecordingDiscarded(id)
			r := rec.Receipt
			r.RecordingStatus, r.RecordingReason = consent.RecordingDiscarded, consent.ReasonUnrepairable
			s.report(r, r.RecordingStatus, r.RecordingReason, err, "the recording of an interrupted call is no valid WAV: deleted", log)
			if err := a.Receipt(r); err != nil {
				log.Error("receipt of a discarded recording not spooled", "error", err)
			}
			continue
		case err != nil:
			log.Error("the recording of an interrupted call could not be repaired; tried again at the next start", "error", err)
			continue
		}
		info, err := os.Stat(path)
		if err != nil {
			log.Error("the recording of an interrupted call could not be read; tried again at the next start", "error", err)
			continue
		}
		sum, err := wavfile.SHA256(path)
		if err != nil {
			log.Error("the recording of an interrupted call could not be read; tried again at the next start", "error", err)
			continue
		}
		rec.Frames, rec.SHA256, rec.EndedAt = frames, sum, info.ModTime().UTC()
		rec.Status, rec.Reason = consent.RecordingRepaired, consent.ReasonInterrupted
		if err := a.Recording(rec); err != nil {
			log.Error("repaired recording of an interrupted call not spooled", "error", err)
			continue
		}
		log.Info("recording of an interrupted call repaired and queued", "frames", frames, "loss_max", recorder.CrashLossMax)
	}
}
