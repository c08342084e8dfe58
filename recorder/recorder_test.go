package recorder

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-audio/wav"

	"github.com/consentgw/consentgw/sip/g711"
)

// fakeClock is a settable Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// startClocked starts a recording of law into a new spool file, on a fake clock set to t0.
func startClocked(t *testing.T, law g711.Law, t0 time.Time) (*Recorder, *fakeClock, string) {
	t.Helper()
	clk := &fakeClock{t: t0}
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := Start(Options{Path: path, Codec: law, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return r, clk, path
}

// waiting is the number of packets waiting for the next tick.
func (r *Recorder) waiting() int {
	r.inbox.mu.Lock()
	defer r.inbox.mu.Unlock()
	return len(r.inbox.fill.pkts)
}

// settle waits until the scheduler has taken every queued packet from the inbox, so
// tests never overrun it and never sleep.
func settle(t *testing.T, r *Recorder) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for r.waiting() != 0 {
		select {
		case <-deadline:
			t.Fatal("recorder did not drain its queue")
		default:
			runtime.Gosched()
		}
	}
}

// tone20ms encodes packet i (20 ms) of a sine at freq.
func tone20ms(law g711.Law, i int, freq float64) []byte {
	pcm := make([]int16, 160)
	for j := range pcm {
		n := float64(i*160 + j)
		pcm[j] = int16(8000 * math.Sin(2*math.Pi*freq*n/8000))
	}
	out := make([]byte, 160)
	law.Encode(out, pcm)
	return out
}

func goertzel(x []int16, freq float64) float64 {
	coeff := 2 * math.Cos(2*math.Pi*freq/8000)
	var s1, s2 float64
	for _, v := range x {
		s := float64(v) + coeff*s1 - s2
		s2, s1 = s1, s
	}
	return s1*s1 + s2*s2 - coeff*s1*s2
}

func readStereo(t *testing.T, path string) (left, right []int16) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := wav.NewDecoder(f)
	buf, err := d.FullPCMBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if d.NumChans != 2 || d.SampleRate != 8000 || d.BitDepth != 16 {
		t.Fatalf("format %d ch %d Hz %d bit", d.NumChans, d.SampleRate, d.BitDepth)
	}
	for i := 0; i+1 < len(buf.Data); i += 2 {
		left, right = append(left, int16(buf.Data[i])), append(right, int16(buf.Data[i+1]))
	}
	return left, right
}

func TestRecordingPutsCallerLeftAndAgentRight(t *testing.T) {
	for _, law := range []g711.Law{g711.ULaw, g711.ALaw} {
		t.Run(law.String(), func(t *testing.T) {
			t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			r, clk, path := startClocked(t, law, t0)
			const packets = 100 // 2 s
			for i := range packets {
				// Up to 15 ms of jitter, different on each side.
				clk.Set(t0.Add(time.Duration(i)*20*time.Millisecond + time.Duration(i*7%15)*time.Millisecond))
				r.Write(Caller, 0x1111, uint32(9000+i*160), tone20ms(law, i, 440))
				r.Write(Agent, 0x2222, uint32(1<<32-800+i*160), tone20ms(law, i, 1000)) // wraps
				settle(t, r)
			}
			clk.Set(t0.Add(2 * time.Second))
			res, err := r.Stop()
			if err != nil {
				t.Fatal(err)
			}
			if res.Frames != 16000 || res.Duration != 2*time.Second || res.Dropped != 0 || res.Path != path {
				t.Errorf("result = %+v, want 16000 frames, 2 s, nothing dropped", res)
			}
			raw, _ := os.ReadFile(path)
			if sum := sha256.Sum256(raw); res.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 %s does not match the file", res.SHA256)
			}
			left, right := readStereo(t, path)
			if int64(len(left)) != res.Frames {
				t.Fatalf("file has %d frames, result says %d", len(left), res.Frames)
			}
			if l440, l1k := goertzel(left, 440), goertzel(left, 1000); l440 < 1000*l1k {
				t.Errorf("left: 440 Hz power %.3g not far above 1 kHz %.3g", l440, l1k)
			}
			if r1k, r440 := goertzel(right, 1000), goertzel(right, 440); r1k < 1000*r440 {
				t.Errorf("right: 1 kHz power %.3g not far above 440 Hz %.3g", r1k, r440)
			}
			// Both channels start in the first slot: no packet was lost or shifted.
			for i, x := range [][]int16{left[:160], right[:160], left[15840:], right[15840:]} {
				if !slices.ContainsFunc(x, func(v int16) bool { return v != 0 }) {
					t.Errorf("block %d is silent", i)
				}
			}
			if _, err := r.Stop(); !errors.Is(err, ErrStopped) {
				t.Errorf("second Stop = %v, want ErrStopped", err)
			}
		})
	}
}

func TestRecordingIsSilentWhereNoPacketArrived(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r, clk, path := startClocked(t, g711.ULaw, t0)
	// Only the caller speaks, only in the first 200 ms of one second.
	for i := range 10 {
		clk.Set(t0.Add(time.Duration(i) * 20 * time.Millisecond))
		r.Write(Caller, 1, uint32(i*160), tone20ms(g711.ULaw, i, 440))
		settle(t, r)
	}
	clk.Set(t0.Add(time.Second))
	res, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 8000 {
		t.Errorf("frames = %d, want 8000", res.Frames)
	}
	left, right := readStereo(t, path)
	for i, v := range right {
		if v != 0 {
			t.Fatalf("right sample %d = %d, want silence", i, v)
		}
	}
	for i, v := range left[1600:] {
		if v != 0 {
			t.Fatalf("left sample %d = %d, want silence after the speech", 1600+i, v)
		}
	}
}

func TestDiscardLeavesNoFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := Start(Options{Path: path, Codec: g711.ALaw})
	if err != nil {
		t.Fatal(err)
	}
	r.Write(Caller, 1, 0, tone20ms(g711.ALaw, 0, 440))
	if err := r.Discard(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("spool file still there: %v", err)
	}
	r.Write(Caller, 1, 160, tone20ms(g711.ALaw, 1, 440)) // after discard: ignored
	if _, err := r.Stop(); !errors.Is(err, ErrStopped) {
		t.Errorf("Stop after Discard = %v, want ErrStopped", err)
	}
}

func TestDiscardAfterStopDeletesTheFinishedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := Start(Options{Path: path, Codec: g711.ULaw})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.Discard(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file still there: %v", err)
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "taken.wav")
	os.WriteFile(existing, nil, 0o600)
	for name, o := range map[string]Options{
		"no path":     {Codec: g711.ULaw},
		"no codec":    {Path: filepath.Join(dir, "x.wav")},
		"file exists": {Path: existing, Codec: g711.ULaw},
	} {
		if _, err := Start(o); err == nil {
			t.Errorf("%s: Start succeeded", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.wav")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a rejected Start left a file")
	}
}

func TestWriteDropsAndCountsWhenTheQueueIsFull(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := &fakeClock{t: t0}
	// A scheduler that never ticks within the test: the inbox only fills.
	sched := NewScheduler(1, time.Hour)
	defer sched.Close()
	r, err := Start(Options{Path: filepath.Join(t.TempDir(), "call.wav"), Codec: g711.ULaw, Now: clk.Now, Scheduler: sched})
	if err != nil {
		t.Fatal(err)
	}
	for i := range inboxPackets {
		r.Write(Caller, 1, uint32(i*160), make([]byte, 160))
	}
	r.Write(Caller, 1, 0, make([]byte, 160))
	r.Write(Agent, 2, 0, make([]byte, 481)) // longer than 60 ms
	res, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if res.Dropped != 2 {
		t.Errorf("Dropped = %d, want 2", res.Dropped)
	}
}

// BenchmarkRecorderWrite is the recorder's share of the packet path: one copy into the
// inbox. The scheduler never ticks here; the benchmark empties the inbox as a tick would.
func BenchmarkRecorderWrite(b *testing.B) {
	sched := NewScheduler(1, time.Hour)
	defer sched.Close()
	r, err := Start(Options{Path: filepath.Join(b.TempDir(), "bench.wav"), Codec: g711.ULaw, Scheduler: sched})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Discard()
	payload := tone20ms(g711.ULaw, 0, 440)
	spare := newBatch()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		r.Write(Channel(n&1), 1, uint32(n/2*160), payload)
		if n++; n%32 == 0 {
			spare = r.inbox.swap(spare)
		}
	}
	if r.dropped.Load() != 0 {
		b.Fatalf("%d packets dropped", r.dropped.Load())
	}
}

// A recording has no latency budget: a packet held up for half a second on a busy machine
// still lands in its slot instead of counting as late.
func TestPacketHalfASecondLateKeepsItsSlot(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	r, clk, path := startClocked(t, g711.ULaw, t0)
	const delayed = 50 // the packet of 1.00–1.02 s
	for i := range 75 {
		if i == delayed {
			continue
		}
		clk.Set(t0.Add(time.Duration(i) * 20 * time.Millisecond))
		r.Write(Caller, 1, uint32(i*160), tone20ms(g711.ULaw, i, 440))
		settle(t, r)
	}
	// 480 ms after its slot ended.
	r.Write(Caller, 1, uint32(delayed*160), tone20ms(g711.ULaw, delayed, 440))
	settle(t, r)
	clk.Set(t0.Add(75 * 20 * time.Millisecond))
	res, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if res.Dropped != 0 {
		t.Fatalf("%d packets dropped, want the late one placed", res.Dropped)
	}
	left, _ := readStereo(t, path)
	slot := left[delayed*160 : (delayed+1)*160]
	if p := goertzel(slot, 440); p < 1e6 {
		t.Fatalf("the delayed packet's slot holds no 440 Hz tone (power %.3g)", p)
	}
}
