package recorder

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgw/consentgw/sip/g711"
)

// TestSharedSchedulerRecordsEveryCall runs recordings side by side on one scheduler with
// two workers, as a gateway does, stops half and discards the rest while the workers
// tick, and checks each kept file's channels.
func TestSharedSchedulerRecordsEveryCall(t *testing.T) {
	sched := NewScheduler(2, 0)
	defer sched.Close()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := &fakeClock{t: t0}
	const calls, packets = 6, 50 // 1 s each
	recs := make([]*Recorder, calls)
	for i := range recs {
		r, err := Start(Options{Path: filepath.Join(t.TempDir(), "call.wav"), Law: g711.ALaw, Now: clk.Now, Scheduler: sched})
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = r
	}
	for p := range packets {
		clk.Set(t0.Add(time.Duration(p) * 20 * time.Millisecond))
		for _, r := range recs {
			r.Write(Caller, 1, uint32(p*160), tone20ms(g711.ALaw, p, 440))
			r.Write(Agent, 2, uint32(p*160), tone20ms(g711.ALaw, p, 1000))
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
		if goertzel(left, 440) < 1000*goertzel(left, 1000) || goertzel(right, 1000) < 1000*goertzel(right, 440) {
			t.Errorf("call %d: channels do not hold their tones", i)
		}
	}
	for _, w := range sched.workers {
		if n := len(w.recs); n != 0 {
			t.Errorf("a worker still holds %d recordings", n)
		}
	}
}
