package spool

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/recorder/wavfile"
	"github.com/consentgw/consentgw/storage/archive"
)

// Recording is one call's recording. Begin returns one even when the recording could not
// start (Active is then false), so the call finishes every recording the same way.
// Pause, Discard and Finish must not run at the same time (the call serialises them);
// after Discard or Finish the others do nothing.
type Recording struct {
	s       *Spool
	log     *slog.Logger
	receipt consent.Receipt
	codec   string
	started time.Time
	rec     *recorder.Recorder // nil once ended, or when it never started
	ended   bool
	// sealed describes the recording's encrypted streams; nil when it records a WAV.
	sealed *archive.Sealed
	// status and reason are set when it could not start (failed) or failed during the
	// call (partial); mu guards them against the recorder's worker.
	mu     sync.Mutex
	status consent.RecordingStatus
	reason string
}

// Outcome is what became of a recording, for the call's receipt and log.
type Outcome struct {
	Status consent.RecordingStatus
	Reason string
	Frames int64
}

// Begin starts recording the call whose receipt is r (its decision records), decoding
// its audio with codec; log is the call's logger. When the spool seals recordings, each
// party's channel is encrypted to the key keys fetched for it (it waits for the fetches,
// which started when the call was answered). The recording is noted in the spool first,
// so a gateway killed during the call still stores what reached the disk. It does not
// start when the spool is full (archive.Full), its disk refuses the files, or the keys
// are not there: the call goes on unrecorded and Finish tells the receipt why.
func (s *Spool) Begin(r consent.Receipt, codec recorder.Codec, keys *CallKeys, log *slog.Logger) *Recording {
	h := &Recording{s: s, log: log, receipt: r, codec: codec.String(), started: s.o.Now().UTC()}
	a := s.o.Archive
	if a.Full() {
		h.fail(consent.ReasonSpoolFull, fmt.Errorf("%d bytes of room left: %w", a.Room(), errSpoolFull), "recording not started: the spool is full")
		return h
	}
	start := archive.Recording{Receipt: r, StartedAt: h.started, Codec: h.codec}
	var sink recorder.Sink
	path := a.WAVPath(r.ID)
	if s.o.Keys != nil {
		caller, agent, err := keys.both()
		if err != nil {
			h.fail(consent.ReasonKeysUnavailable, err, "recording not started: the parties' keys are not there")
			return h
		}
		w, info, err := s.createSealed(r.ID, caller, agent)
		if err != nil {
			h.fail(reasonOf(err), err, "recording not started: the spool refused it")
			return h
		}
		sink, start.Sealed, h.sealed = w, info, info
		path = a.SpoolPath(info.Streams[0].File)
	}
	if err := a.RecordingStarted(start); err != nil {
		if sink != nil {
			sink.Abort()
		}
		h.fail(reasonOf(err), err, "recording not started: the spool refused it")
		return h
	}
	rec, err := recorder.Start(recorder.Options{
		Path: path, Sink: sink, Codec: codec, Logger: log, Scheduler: s.o.Scheduler, Now: s.o.Now,
		OnFail: h.failedDuringCall,
	})
	if err != nil {
		if sink != nil {
			sink.Abort() // closes the streams' files; RecordingDiscarded removes them too
		}
		a.RecordingDiscarded(r.ID)
		h.fail(reasonOf(err), err, "recording not started: the spool refused it")
		return h
	}
	h.rec = rec
	s.o.Observer.RecordingStarted()
	return h
}

var errSpoolFull = errors.New("less than a call's worth of room")

// fail notes a recording that never started.
func (h *Recording) fail(reason string, err error, msg string) {
	h.status, h.reason = consent.RecordingFailed, reason
	h.s.report(h.receipt, consent.RecordingFailed, reason, err, msg+": the call goes on unrecorded", h.log)
}

// failedDuringCall is the recorder's OnFail: writing stopped, what reached the disk stays.
func (h *Recording) failedDuringCall(err error) {
	reason := reasonOf(err)
	h.mu.Lock()
	h.status, h.reason = consent.RecordingPartial, reason
	h.mu.Unlock()
	h.s.report(h.receipt, consent.RecordingPartial, reason, err, "recording failed during the call: the audio written so far is kept", h.log)
}

// Active reports whether the call is being recorded.
func (h *Recording) Active() bool { return h.rec != nil }

// Tap is what the media relay writes the call's audio to; nil when not Active.
func (h *Recording) Tap() *recorder.Recorder { return h.rec }

// Pause pauses (true) or resumes (false) the recording: while paused its timeline goes on
// in silence (recorder.SetPaused). It reports whether there was a recording to pause.
func (h *Recording) Pause(paused bool) bool {
	if h.rec == nil {
		return false
	}
	h.rec.SetPaused(paused)
	return true
}

// Discard stops the recording and deletes everything of it in the spool: consent was
// withdrawn, or a subject of the call erased. why is logged. It reports whether there
// was a recording to discard.
func (h *Recording) Discard(why string) (bool, error) {
	if h.ended || h.rec == nil {
		h.ended = true
		return false, nil
	}
	h.ended = true
	err := h.rec.Discard()
	h.rec = nil
	h.s.o.Archive.RecordingDiscarded(h.receipt.ID)
	h.log.Info("recording discarded", "why", why)
	return true, err
}

// Finish ends the recording when the call ends and queues what it holds for the store,
// with the receipt that says what became of it: stored, partial (what reached the disk
// before writing failed), failed (nothing recorded) or discarded (what reached the disk
// is no valid WAV). The audio stays in the spool until the store has it, and a job the
// spool's disk does not take waits in memory for it (archive.ErrHeld).
func (h *Recording) Finish() Outcome {
	if h.ended {
		return Outcome{}
	}
	h.ended = true
	if h.rec == nil {
		return h.spoolReceipt(Outcome{Status: consent.RecordingFailed, Reason: h.reason})
	}
	rec := h.rec
	h.rec = nil
	res, err := rec.Stop()
	h.mu.Lock()
	status, reason := h.status, h.reason
	h.mu.Unlock()
	if err != nil && status == "" {
		// The last write or the close failed: the recorder had not told OnFail.
		status, reason = consent.RecordingPartial, reasonOf(err)
		h.s.report(h.receipt, status, reason, err, "recording failed as the call ended: the audio written so far is kept", h.log)
	}
	if status == consent.RecordingPartial && h.sealed != nil {
		h.s.o.Observer.RecordingFinished(res.Frames, res.Dropped)
		return h.salvageSealed(h.job(res, status, reason))
	}
	if status == consent.RecordingPartial {
		var lost *Outcome
		if res, lost = h.salvage(reason); lost != nil {
			return *lost
		}
	} else {
		status = consent.RecordingStored
	}
	h.s.o.Observer.RecordingFinished(res.Frames, res.Dropped)
	job := h.job(res, status, reason)
	if h.sealed != nil {
		for i := range job.Sealed.Streams {
			job.Sealed.Streams[i].Frames = res.Frames
		}
		if job.SHA256, err = h.s.sumSealed(job.Sealed); err != nil {
			// The streams were closed and synced a moment ago: at the next start the
			// recording is repaired from its note in the spool and stored then.
			h.log.Error("finished recording not spooled: its streams could not be read; repaired and stored at the next start", "error", err)
			return Outcome{Status: status, Reason: reason, Frames: res.Frames}
		}
	}
	err = h.s.o.Archive.Recording(job)
	h.logSpooled("finished recording", err)
	return Outcome{Status: status, Reason: reason, Frames: res.Frames}
}

// job is the spool job of the finished recording.
func (h *Recording) job(res recorder.Result, status consent.RecordingStatus, reason string) archive.Recording {
	return archive.Recording{
		Receipt: h.receipt, SHA256: res.SHA256, Frames: res.Frames, StartedAt: h.started,
		EndedAt: h.s.o.Now().UTC(), Codec: h.codec, Status: status, Reason: reason, Sealed: h.sealed,
	}
}

// salvage makes what reached the disk of a recording whose writing failed a valid WAV:
// the whole frames on disk, the header's sizes set (wavfile.Repair). A file without a
// whole frame, or one Repair cannot read, is deleted, and its receipt and a second
// recording.failed event say so.
func (h *Recording) salvage(reason string) (recorder.Result, *Outcome) {
	path := h.s.o.Archive.WAVPath(h.receipt.ID)
	var frames int64
	st, err := os.Stat(path)
	if err == nil && st.Size() >= wavfile.HeaderSize+wavfile.FrameBytes {
		if frames, err = wavfile.Repair(path); err == nil {
			sum, err := wavfile.SHA256(path)
			if err == nil {
				return recorder.Result{Path: path, Frames: frames, SHA256: sum,
					Duration: time.Duration(frames) * time.Second / wavfile.SampleRate}, nil
			}
		}
	}
	h.s.o.Archive.RecordingDiscarded(h.receipt.ID)
	out, msg := Outcome{Status: consent.RecordingFailed, Reason: reason}, "nothing of the failed recording reached the disk"
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		out, msg = Outcome{Status: consent.RecordingDiscarded, Reason: consent.ReasonUnrepairable}, "the audio of the failed recording is no valid WAV: deleted"
	}
	h.s.report(h.receipt, out.Status, out.Reason, err, msg, h.log)
	h.spoolReceipt(out)
	return recorder.Result{}, &out
}

// spoolReceipt queues the call's receipt saying what became of a recording that left no
// audio to store.
func (h *Recording) spoolReceipt(o Outcome) Outcome {
	r := h.receipt
	r.RecordingStatus, r.RecordingReason = o.Status, o.Reason
	h.logSpooled("receipt of an unrecorded call", h.s.o.Archive.Receipt(r))
	return o
}

func (h *Recording) logSpooled(what string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, archive.ErrHeld):
		h.log.Error(what+" not spooled: the spool's disk refused it; held in memory and written when it takes it", "error", err)
	default:
		h.log.Error(what+" not spooled", "error", err)
	}
}
