package recorder

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgw/consentgw/recorder/wavfile"
	"github.com/consentgw/consentgw/sip/g711"
)

// What a killed process loses is what its spool file lacks while the call runs: the file
// on disk trails the call by no more than CrashLossMax. Five seconds of a call are
// written on a stopped clock; the file must reach all but CrashLossMax of them without
// Stop (which a killed process never calls).
func TestSpoolFileTrailsTheCallByAtMostCrashLossMax(t *testing.T) {
	if CrashLossMax >= time.Second {
		t.Fatalf("CrashLossMax = %v, documented as under a second", CrashLossMax)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := &fakeClock{t: t0}
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := Start(Options{Path: path, Codec: g711.ULaw, Now: clk.Now, Tick: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Discard()
	const call = 5 * time.Second
	for i := range int(call / (20 * time.Millisecond)) {
		clk.Set(t0.Add(time.Duration(i) * 20 * time.Millisecond))
		r.Write(Caller, 1, uint32(i*160), tone20ms(g711.ULaw, i, 440))
		r.Write(Agent, 2, uint32(i*160), tone20ms(g711.ULaw, i, 1000))
		settle(t, r)
	}
	clk.Set(t0.Add(call))
	want := wavfile.HeaderSize + int64((call-CrashLossMax).Seconds()*wavfile.SampleRate)*wavfile.FrameBytes
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() >= want {
			t.Logf("%d of %d frames on disk", (st.Size()-wavfile.HeaderSize)/wavfile.FrameBytes, int64(call.Seconds()*wavfile.SampleRate))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool file holds %d bytes of a %v call, want at least %d: more than %v would be lost to a crash", st.Size(), call, want, CrashLossMax)
		}
		time.Sleep(5 * time.Millisecond) // the scheduler ticks on its own: wait for its next write
	}
}
