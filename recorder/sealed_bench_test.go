package recorder

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/consentgw/consentgw/recorder/sealed"
	"github.com/consentgw/consentgw/sip/g711"
)

// benchCallSeconds is the length of the call each iteration of BenchmarkRecordedCall
// records.
const benchCallSeconds = 60

// BenchmarkRecordedCall is the recording path of one recorded minute of a call, from the
// recording's start to its checksum, with its spool files as a plain stereo WAV and as
// the parties' two encrypted streams (recorder/sealed): every 20 ms a packet of each
// party into the inbox and a tick (decode, align, write; for the streams, ChaCha20-Poly1305
// per 64 KiB chunk), then the stop and the read back of what was written to sum it (the
// WAV's sha256; the object's, the streams back to back, as the spool sums them). The
// encrypted start makes two age headers (X25519) and seals their file keys to the spool
// key. cpu-µs/call-s is the process's CPU time per recorded call-second, the README's
// Performance figure:
// `go test -run '^$' -bench RecordedCall -count 5 ./recorder`.
func BenchmarkRecordedCall(b *testing.B) {
	ids := make([]*age.X25519Identity, 3) // caller, agent, spool
	for i := range ids {
		ids[i], _ = age.GenerateX25519Identity()
	}
	for _, encrypted := range []bool{false, true} {
		b.Run(map[bool]string{false: "wav", true: "encrypted"}[encrypted], func(b *testing.B) {
			dir := b.TempDir()
			sched := NewScheduler(1, time.Hour) // never ticks: the benchmark ticks
			defer sched.Close()
			caller, agent := tone20ms(g711.ULaw, 0, 440), tone20ms(g711.ULaw, 0, 1000)
			spare, pcm := newBatch(), make([]int16, maxPayload)
			t0 := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
			n := 0
			cpu := cpuTime()
			for b.Loop() {
				n++
				base := filepath.Join(dir, fmt.Sprint(n))
				var sink Sink
				if encrypted {
					w, err := sealed.Create(sealed.Options{
						Caller: sealed.Stream{Path: base + ".caller.age", Recipients: []age.Recipient{ids[0].Recipient()}},
						Agent:  sealed.Stream{Path: base + ".agent.age", Recipients: []age.Recipient{ids[1].Recipient()}},
						Spool:  ids[2].Recipient(),
					})
					if err != nil {
						b.Fatal(err)
					}
					sink = w
				}
				clk := &fakeClock{t: t0}
				r, err := Start(Options{Path: base + ".wav", Sink: sink, Codec: g711.ULaw, Scheduler: sched, Now: clk.Now})
				if err != nil {
					b.Fatal(err)
				}
				for slot := range benchCallSeconds * 50 {
					clk.Set(t0.Add(time.Duration(slot) * 20 * time.Millisecond))
					r.Write(Caller, 1, uint32(slot*160), caller)
					r.Write(Agent, 2, uint32(slot*160), agent)
					spare = r.advance(clk.Now(), spare, pcm)
				}
				clk.Set(t0.Add((benchCallSeconds + 1) * time.Second))
				res, err := r.Stop()
				if err != nil || res.Dropped != 0 {
					b.Fatalf("stop: %v, %d dropped", err, res.Dropped)
				}
				if encrypted {
					sumStreams(b, base+".caller.age", base+".agent.age")
				}
				for _, p := range []string{base + ".wav", base + ".caller.age", base + ".agent.age"} {
					os.Remove(p)
				}
			}
			// CPU time, not the wall clock: other processes on the machine do not count.
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N)/benchCallSeconds, "cpu-µs/call-s")
		})
	}
}

// sumStreams reads the streams back as the spool does when a recording ends: the sha256
// of the object they make, back to back.
func sumStreams(b *testing.B, paths ...string) {
	whole := sha256.New()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(whole, f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	whole.Sum(nil)
}

// cpuTime is the CPU time the process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
