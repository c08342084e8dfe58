package recorder

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/consentgw/consentgw/recorder/wavfile"
	"github.com/consentgw/consentgw/sip/g711"
)

// TestSharedSchedulerRecordsEveryCall runs recordings side by side on one scheduler with
// two workers, as a gateway does, stops half and discards the rest while the workers
// tick, and checks each kept file's channels. Every call has its own two tones, so audio
// crossing from one recording into another (the workers lend their batches to each
// recording in turn) would show.
func TestSharedSchedulerRecordsEveryCall(t *testing.T) {
	sched := NewScheduler(2, 0)
	defer sched.Close()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := &fakeClock{t: t0}
	const calls, packets = 8, 50 // 1 s each
	callerHz := func(i int) float64 { return float64(300 + 100*i) }
	agentHz := func(i int) float64 { return float64(1500 + 100*i) }
	recs := make([]*Recorder, calls)
	for i := range recs {
		r, err := Start(Options{Path: filepath.Join(t.TempDir(), "call.wav"), Codec: g711.ALaw, Now: clk.Now, Scheduler: sched})
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = r
	}
	for p := range packets {
		clk.Set(t0.Add(time.Duration(p) * 20 * time.Millisecond))
		for i, r := range recs {
			r.Write(Caller, 1, uint32(p*160), tone20ms(g711.ALaw, p, callerHz(i)))
			r.Write(Agent, 2, uint32(p*160), tone20ms(g711.ALaw, p, agentHz(i)))
		}
		for _, r := range recs {
			settle(t, r)
		}
	}
	clk.Set(t0.Add(time.Second))
	for i, r := range recs {
		if i%2 == 1 {
			if err := r.Discard(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		res, err := r.Stop()
		if err != nil {
			t.Fatal(err)
		}
		if res.Frames != 8000 || res.Dropped != 0 {
			t.Errorf("call %d: %+v, want 8000 frames, nothing dropped", i, res)
		}
		left, right := readStereo(t, res.Path)
		own := [2]float64{goertzel(left, callerHz(i)), goertzel(right, agentHz(i))}
		for j := range calls {
			for _, f := range []float64{callerHz(j), agentHz(j)} {
				if f != callerHz(i) && own[0] < 1000*goertzel(left, f) || f != agentHz(i) && own[1] < 1000*goertzel(right, f) {
					t.Errorf("call %d: a channel holds %.0f Hz, a tone of call %d", i, f, j)
				}
			}
		}
	}
	for _, w := range sched.workers {
		if n := len(w.recs); n != 0 {
			t.Errorf("a worker still holds %d recordings", n)
		}
	}
}

// TestStopAndDiscardWhileWorkersTickAndPacketsArrive ends recordings while their
// packets keep coming and the workers keep ticking (the race detector watches), and
// checks that each kept file is whole when Stop returns and never written after.
func TestStopAndDiscardWhileWorkersTickAndPacketsArrive(t *testing.T) {
	sched := NewScheduler(2, time.Millisecond)
	defer sched.Close()
	dir := t.TempDir()
	start := func(name string) *Recorder {
		r, err := Start(Options{Path: filepath.Join(dir, name), Codec: g711.ULaw, Scheduler: sched})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// One witness per worker (round robin): once both have been drained twice after the
	// stops, every worker has made a whole pass since.
	witnesses := []*Recorder{start("w0.wav"), start("w1.wav")}
	if witnesses[0].worker == witnesses[1].worker {
		t.Fatal("the witnesses share a worker")
	}
	const calls = 12
	recs := make([]*Recorder, calls)
	for i := range recs {
		recs[i] = start(fmt.Sprintf("call%d.wav", i))
	}
	done := make(chan struct{})
	var writers sync.WaitGroup
	payload := make([]byte, 160)
	for _, r := range recs {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				r.Write(Channel(i&1), 1, uint32(i/2*160), payload)
				runtime.Gosched()
			}
		}()
	}
	defer func() {
		close(done)
		writers.Wait()
	}()

	results := make([]Result, calls)
	var enders sync.WaitGroup
	for i, r := range recs {
		enders.Add(1)
		go func() {
			defer enders.Done()
			switch i % 3 {
			case 0:
				res, err := r.Stop()
				if err != nil {
					t.Errorf("call %d: Stop: %v", i, err)
				}
				results[i] = res
			case 1:
				if err := r.Discard(); err != nil {
					t.Errorf("call %d: Discard: %v", i, err)
				}
			case 2: // Stop and Discard at once: whichever wins, no file is left
				var both sync.WaitGroup
				both.Add(1)
				go func() {
					defer both.Done()
					if _, err := r.Stop(); err != nil && !errors.Is(err, ErrStopped) {
						t.Errorf("call %d: Stop: %v", i, err)
					}
				}()
				if err := r.Discard(); err != nil {
					t.Errorf("call %d: Discard: %v", i, err)
				}
				both.Wait()
			}
		}()
	}
	enders.Wait()

	kept := map[int][]byte{}
	for i := range recs {
		raw, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("call%d.wav", i)))
		if i%3 != 0 {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("call %d: discarded file still there: %v", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		if res := results[i]; int64(len(raw)) != wavfile.HeaderSize+wavfile.FrameBytes*res.Frames || res.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("call %d: %d bytes on disk do not match %+v", i, len(raw), res)
		}
		kept[i] = raw
	}
	for range 2 {
		for _, w := range witnesses {
			w.Write(Caller, 1, 0, payload)
			settle(t, w)
		}
	}
	for i, raw := range kept {
		if now, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("call%d.wav", i))); string(now) != string(raw) {
			t.Errorf("call %d: file changed after Stop returned", i)
		}
	}
	for _, w := range witnesses {
		if err := w.Discard(); err != nil {
			t.Error(err)
		}
	}
}

// TestClosedSchedulerStillLetsRecordingsStop closes a scheduler under a running
// recording: Close waits for its workers and may be called again, and Stop still
// writes everything the recording received, before and after the Close.
func TestClosedSchedulerStillLetsRecordingsStop(t *testing.T) {
	sched := NewScheduler(2, 0)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := &fakeClock{t: t0}
	r, err := Start(Options{Path: filepath.Join(t.TempDir(), "call.wav"), Codec: g711.ULaw, Now: clk.Now, Scheduler: sched})
	if err != nil {
		t.Fatal(err)
	}
	write := func(p int) {
		clk.Set(t0.Add(time.Duration(p) * 20 * time.Millisecond))
		r.Write(Caller, 1, uint32(p*160), tone20ms(g711.ULaw, p, 440))
		r.Write(Agent, 2, uint32(p*160), tone20ms(g711.ULaw, p, 1000))
	}
	for p := range 10 {
		write(p)
		settle(t, r)
	}
	sched.Close()
	sched.Close()
	for p := 10; p < 20; p++ { // nobody ticks: they wait in the inbox for Stop
		write(p)
	}
	clk.Set(t0.Add(400 * time.Millisecond))
	res, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 3200 || res.Dropped != 0 {
		t.Errorf("result = %+v, want 3200 frames, nothing dropped", res)
	}
	left, right := readStereo(t, res.Path)
	for name, x := range map[string][]int16{"left before": left[:1600], "left after": left[1600:], "right before": right[:1600], "right after": right[1600:]} {
		if silent(x) {
			t.Errorf("%s the Close is silent", name)
		}
	}
}

// BenchmarkRecorderStart is the cost of starting (and discarding) one recording on a
// shared scheduler; B/op is the heap a live recording holds, nearly all of it taken at
// Start: the aligner's ring, the file's write buffer and the inbox.
func BenchmarkRecorderStart(b *testing.B) {
	sched := NewScheduler(1, time.Hour)
	defer sched.Close()
	path := filepath.Join(b.TempDir(), "call.wav")
	b.ReportAllocs()
	for b.Loop() {
		r, err := Start(Options{Path: path, Codec: g711.ULaw, Scheduler: sched})
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Discard(); err != nil {
			b.Fatal(err)
		}
	}
}
