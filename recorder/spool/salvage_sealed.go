package spool

import (
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage/archive"
)

// salvageRetry is how often a sealed recording whose repair the full disk refused is
// tried again.
const salvageRetry = time.Second

// salvageSealed makes what reached the disk of a sealed recording whose writing failed
// (the disk filled) whole again and queues it, as salvage does for a WAV. A repair writes
// each stream anew, which the full disk may refuse too: it is then tried again every
// second until the disk takes it. The recording's note stays in the spool meanwhile, so a
// gateway stopped before then repairs it at its next start.
func (h *Recording) salvageSealed(job archive.Recording) Outcome {
	out := Outcome{Status: job.Status, Reason: job.Reason, Frames: job.Frames}
	if done, lost := h.trySalvage(job); done {
		if lost != nil {
			return *lost
		}
		return out
	}
	h.log.Error("the failed recording's encrypted streams cannot be repaired while the spool's disk is full; tried again every second")
	s := h.s
	s.retries.Go(func() {
		t := time.NewTicker(salvageRetry)
		defer t.Stop()
		for {
			select {
			case <-s.closing:
				h.log.Error("gateway stopping before the failed recording could be repaired: it is repaired at the next start")
				return
			case <-t.C:
				if done, _ := h.trySalvage(job); done {
					return
				}
			}
		}
	})
	return out
}

// trySalvage repairs the streams and queues the recording; done is false when the disk
// refused the repair for lack of space, and lost is set when nothing could be kept.
func (h *Recording) trySalvage(job archive.Recording) (done bool, lost *Outcome) {
	a := h.s.o.Archive
	repaired, frames, err := h.s.repairSealed(job.Sealed)
	switch {
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		return false, nil
	case err != nil || frames == 0:
		// Streams gone (os.ErrNotExist) are a discard's doing when the note went with
		// them; RecordingLost tells, and writes no receipt then.
		out, msg := Outcome{Status: consent.RecordingFailed, Reason: job.Reason}, "nothing of the failed recording reached the disk"
		if err != nil {
			out, msg = Outcome{Status: consent.RecordingDiscarded, Reason: consent.ReasonUnrepairable}, "the encrypted streams of the failed recording cannot be repaired: deleted"
		}
		r := h.receipt
		r.RecordingStatus, r.RecordingReason = out.Status, out.Reason
		lerr := a.RecordingLost(r)
		if errors.Is(lerr, archive.ErrDiscarded) {
			return true, h.discardedMeanwhile()
		}
		h.s.report(h.receipt, out.Status, out.Reason, err, msg, h.log)
		h.logSpooled("receipt of an unrecorded call", lerr)
		return true, &out
	}
	old := streamFiles(job.Sealed)
	job.Frames, job.Sealed = frames, repaired
	if job.SHA256, err = h.s.sumSealed(job.Sealed); err != nil {
		h.log.Error("repaired recording not spooled: its streams could not be read; repaired again at the next start", "error", err)
		return true, nil
	}
	err = a.RecordingRepaired(job)
	if errors.Is(err, archive.ErrDiscarded) {
		return true, h.discardedMeanwhile()
	}
	h.logSpooled("repaired recording", err)
	if err == nil {
		// The spooled job names the repaired files now. A job held in memory does not
		// yet: the note on disk still names the old files, for the next start's repair.
		removeFiles(a, old)
	}
	return true, nil
}

// discardedMeanwhile is the outcome of a recording an erase or a withdrawal discarded
// while its repair waited: nothing of it is stored, and no receipt is written for it.
func (h *Recording) discardedMeanwhile() *Outcome {
	h.log.Info("the failed recording was discarded while its repair waited (an erase, a withdrawal): nothing of it is stored")
	return &Outcome{Status: consent.RecordingDiscarded}
}

// removeFiles removes spool files a repair replaced.
func removeFiles(a *archive.Archiver, files []string) {
	for _, f := range files {
		os.Remove(a.SpoolPath(f))
	}
}
