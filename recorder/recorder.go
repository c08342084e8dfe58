// Package recorder writes a call's audio as a stereo WAV spool file (left =
// caller, right = agent, 8000 Hz, 16-bit PCM) while the call runs. The media
// relay hands it RTP payloads from its hot path; decoding, alignment and disk
// writes happen on a Scheduler's worker, so a slow disk costs dropped packets,
// never a delayed relay.
package recorder

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consentgw/consentgw/recorder/align"
	"github.com/consentgw/consentgw/recorder/wavfile"
)

// Channel is the side of the call a packet came from.
type Channel uint8

const (
	// Caller is the trunk/browser side: the WAV's left channel.
	Caller Channel = 0
	// Agent is the contact-center side: the WAV's right channel.
	Agent Channel = 1
)

// Codec decodes a call's audio payloads to 8 kHz linear PCM: G.711 µ-law or A-law
// (sip/g711.Law is one). The recorder knows codecs only through it, so it depends on no
// SIP package.
type Codec interface {
	// Decode decodes min(len(dst), len(src)) codes from src into dst and returns that
	// count. It runs on a scheduler worker and must not block.
	Decode(dst []int16, src []byte) int
	// String names the codec, for the log and the recording's metadata (PCMU, PCMA).
	String() string
}

// Sink is where a recording's frames go: a stereo spool WAV (wavfile.Writer, made from
// Options.Path) or the parties' encrypted streams (recorder/sealed). The recorder
// serialises its calls.
type Sink interface {
	WriteFrame(left, right []int16) error
	Frames() int64
	// Close flushes and syncs what was written; Abort removes it.
	Close() error
	Abort() error
}

// Options configures one recording.
type Options struct {
	Path string // spool WAV to create; must not exist
	// Sink, if set, takes the frames instead of a WAV at Path; Path is then only the
	// recording's name in the log.
	Sink   Sink
	Codec  Codec // the call's codec
	Logger *slog.Logger
	Now    func() time.Time // nil = time.Now
	// Scheduler advances the recording; nil = a private one for this recording alone,
	// ticking every Tick (0 = 20 ms). A gateway shares one among all its calls.
	Scheduler *Scheduler
	Tick      time.Duration
	// OnFail, if not nil, is told the first write error (the disk is full or failing):
	// the recording stops growing then, and what reached the disk stays. It runs once,
	// on the scheduler's worker: it must not block and must not call the Recorder.
	OnFail func(error)
}

// defaultTick writes due slots once per slot.
const defaultTick = align.SlotDuration

// CrashLossMax bounds the audio at the end of a call that a process killed mid-call
// (SIGKILL, OOM) loses from its spool file, under a second: the slots the aligner still
// holds for late packets (align.MaxJitter and the slot in progress), one tick of packets
// in the inbox, and the file's write buffer (wavfile.BufferDuration). Everything older
// was written to the kernel, which keeps it; the next start repairs the file. A graceful
// stop (SIGTERM) loses nothing.
const CrashLossMax = align.MaxJitter + align.SlotDuration + defaultTick + wavfile.BufferDuration

// Result describes a finished recording.
type Result struct {
	Path     string
	Frames   int64 // stereo sample frames
	Duration time.Duration
	SHA256   string // lowercase hex of the final WAV; "" for a Sink's

	Dropped int64 // packets lost to a full queue, oversize or arriving too late
}

// Recorder records one call. Write may be called from any goroutine; Stop and
// Discard end it.
type Recorder struct {
	path   string
	codec  Codec
	onFail func(error)
	log    *slog.Logger
	now    func() time.Time
	// start is slot 0 of the timeline; queued packets keep their arrival relative to it.
	start time.Time

	inbox   inbox
	sched   *Scheduler
	worker  *schedWorker
	private bool // sched belongs to this recording
	wav     bool // w is the WAV at path, which Stop sums

	stopped atomic.Bool  // set first by Stop/Discard; Write checks it
	paused  atomic.Bool  // Write drops audio; the timeline goes on in silence
	dropped atomic.Int64 // packets dropped before reaching the aligner

	mu    sync.Mutex // serialises Stop and Discard
	final Result

	// work is held by whoever advances the recording: the scheduler's tick, or Stop.
	work     sync.Mutex
	finished bool
	w        Sink
	al       *align.Aligner
	err      error
}

// Start creates the spool file and puts the recording on its scheduler. The
// recording's timeline starts now.
func Start(opts Options) (*Recorder, error) {
	if opts.Path == "" && opts.Sink == nil {
		return nil, fmt.Errorf("starting recorder: no path: %w", ErrInvalidOptions)
	}
	if opts.Codec == nil {
		return nil, fmt.Errorf("starting recorder: no codec: %w", ErrInvalidOptions)
	}
	r := &Recorder{
		path:   opts.Path,
		codec:  opts.Codec,
		onFail: opts.OnFail,
		log:    opts.Logger,
		now:    opts.Now,
		inbox:  inbox{fill: newBatch()},
		sched:  opts.Scheduler,
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.log = r.log.With("spool", filepath.Base(opts.Path))
	if r.now == nil {
		r.now = time.Now
	}
	r.w = opts.Sink
	if r.w == nil {
		w, err := wavfile.Create(opts.Path)
		if err != nil {
			return nil, fmt.Errorf("starting recorder: %w", err)
		}
		r.w, r.wav = w, true
	}
	r.start = r.now()
	// A recording has no latency budget: each slot waits for late packets as long as
	// the aligner's ring allows, so a sender delayed by a busy machine loses nothing.
	r.al = align.New(r.start, align.MaxJitter, r.w)
	if r.sched == nil {
		r.sched, r.private = NewScheduler(1, opts.Tick), true
	}
	r.worker = r.sched.add(r)
	r.log.Debug("recording started", "codec", opts.Codec.String())
	return r, nil
}

// Write hands one RTP payload of ch to the recorder. It never blocks on the disk, never
// wakes a goroutine and never allocates: the payload is copied into the recording's
// inbox, which the scheduler empties at its next tick; when the inbox is full the packet
// is dropped and counted.
func (r *Recorder) Write(ch Channel, ssrc, rtpTimestamp uint32, payload []byte) {
	if r.stopped.Load() || r.paused.Load() || ch > Agent || len(payload) == 0 {
		return
	}
	if len(payload) > maxPayload || !r.inbox.put(ch, ssrc, rtpTimestamp, r.now().Sub(r.start), payload) {
		r.dropped.Add(1)
	}
}

// SetPaused pauses (true) or resumes (false) the recording. While paused no audio of
// either channel reaches the file, DTMF tones included, but the timeline goes on: the
// slots are written as silence, so the gap shows in the recording where it happened
// (PCI DSS: card data spoken or keyed during a payment must not be stored).
func (r *Recorder) SetPaused(paused bool) { r.paused.Store(paused) }

// Stop writes every slot up to now (silence where nothing arrived), closes and
// syncs the WAV and returns what was recorded.
func (r *Recorder) Stop() (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped.Load() {
		return r.final, ErrStopped
	}
	if err := r.halt(false); err != nil {
		return Result{Path: r.path}, fmt.Errorf("stopping recording: %w", err)
	}
	var sum string
	if r.wav {
		var err error
		if sum, err = wavfile.SHA256(r.path); err != nil {
			return Result{Path: r.path}, fmt.Errorf("stopping recording: %w", err)
		}
	}
	frames := r.w.Frames()
	st := r.al.Stats()
	r.final = Result{
		Path:     r.path,
		Frames:   frames,
		Duration: time.Duration(frames) * time.Second / wavfile.SampleRate,
		SHA256:   sum,
		Dropped:  r.dropped.Load() + st.Late,
	}
	r.log.Info("recording stopped", "frames", frames, "duration", r.final.Duration,
		"packets", st.Packets, "dropped", r.final.Dropped, "late", st.Late,
		"duplicates", st.Duplicates, "reanchors", st.Reanchors)
	return r.final, nil
}

// Discard stops the recording and deletes the spool file: consent was withdrawn
// or the subject erased. After Stop it deletes the finished file.
func (r *Recorder) Discard() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped.Load() {
		if err := r.w.Abort(); err != nil {
			return fmt.Errorf("discarding recording: %w", err)
		}
		r.log.Info("recording discarded after stop")
		return nil
	}
	if err := r.halt(true); err != nil {
		return fmt.Errorf("discarding recording: %w", err)
	}
	r.log.Info("recording discarded")
	return nil
}

// halt takes the recording off its scheduler and, on the caller's goroutine, flushes and
// closes (or removes) the file. No write reaches the file after it returns.
func (r *Recorder) halt(discard bool) error {
	r.stopped.Store(true)
	now := r.now()
	r.worker.remove(r)
	if r.private {
		r.sched.Close()
	}
	r.work.Lock()
	defer r.work.Unlock()
	r.finished = true
	return r.end(now, discard)
}
