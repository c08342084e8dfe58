package spool

import (
	"errors"
	"log/slog"
	"os"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/recorder/sealed"
	"github.com/consentgw/consentgw/recorder/wavfile"
	"github.com/consentgw/consentgw/storage/archive"
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
		if rec.Sealed != nil {
			s.recoverSealed(rec, log)
			continue
		}
		path := a.WAVPath(id)
		frames, err := wavfile.Repair(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			a.RecordingDiscarded(id) // it stopped before the WAV was made: nothing recorded
			continue
		case errors.Is(err, wavfile.ErrNotSpool):
			s.unrepairable(rec, err, "the recording of an interrupted call is no valid WAV: deleted", log)
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

// unrepairable deletes an interrupted recording that cannot be repaired; its receipt and
// an event say so.
func (s *Spool) unrepairable(rec archive.Recording, err error, msg string, log *slog.Logger) {
	s.o.Archive.RecordingDiscarded(rec.Receipt.ID)
	r := rec.Receipt
	r.RecordingStatus, r.RecordingReason = consent.RecordingDiscarded, consent.ReasonUnrepairable
	s.report(r, r.RecordingStatus, r.RecordingReason, err, msg, log)
	if err := s.o.Archive.Receipt(r); err != nil {
		log.Error("receipt of a discarded recording not spooled", "error", err)
	}
}

// recoverSealed repairs the encrypted streams of an interrupted call and queues them: each
// keeps its whole chunks, so the audio lost at the end is at most SealedCrashLossMax.
func (s *Spool) recoverSealed(rec archive.Recording, log *slog.Logger) {
	a := s.o.Archive
	if s.o.SpoolKey == nil {
		log.Error("an interrupted call's recording is encrypted, but encryption is off now: it stays in the spool until encryption is on again")
		return
	}
	repaired, frames, err := s.repairSealed(rec.Sealed)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// The streams are made before the note (createSealed, then RecordingStarted): a
		// note without them is audio lost, not a call that stopped before recording.
		s.unrepairable(rec, err, "the encrypted streams of an interrupted call are gone: its audio is lost", log)
		return
	case errors.Is(err, sealed.ErrNotSealed):
		s.unrepairable(rec, err, "the encrypted streams of an interrupted call cannot be read with their keys: deleted", log)
		return
	case err != nil:
		log.Error("the recording of an interrupted call could not be repaired; tried again at the next start", "error", err)
		return
	}
	old := streamFiles(rec.Sealed)
	rec.Sealed = repaired
	sum, err := s.sumSealed(rec.Sealed)
	if err != nil {
		log.Error("the recording of an interrupted call could not be read; tried again at the next start", "error", err)
		return
	}
	ended := rec.StartedAt
	if info, err := os.Stat(a.SpoolPath(old[0])); err == nil {
		ended = info.ModTime().UTC()
	}
	rec.Frames, rec.SHA256, rec.EndedAt = frames, sum, ended
	rec.Status, rec.Reason = consent.RecordingRepaired, consent.ReasonInterrupted
	if err := a.Recording(rec); err != nil {
		log.Error("repaired recording of an interrupted call not spooled", "error", err)
		return
	}
	removeFiles(a, old)
	log.Info("recording of an interrupted call repaired and queued", "frames", frames, "loss_max", SealedCrashLossMax, "encrypted", true)
}
