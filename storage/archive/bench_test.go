package archive

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// BenchmarkSpoolToStore measures how long a finished 1-minute recording (1.92 MB stereo
// WAV) takes from the spool to the store: the WAV, its metadata, the receipt and two
// index entries, with real MinIO. ns/op is that latency; MB/s the upload rate it implies. Run: go test -run '^$' -bench SpoolToStore ./storage/archive
func BenchmarkSpoolToStore(b *testing.B) {
	srv := miniotest.Start(b)
	st := srv.NewStore(b, nil)
	stored := make(chan error, 1)
	dir := b.TempDir()
	a, err := New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), Dir: dir, Observe: func(kind string, err error) {
		if kind == kindRecording {
			stored <- err
		}
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close(context.Background())
	wav := make([]byte, 44+60*8000*4)
	b.SetBytes(int64(len(wav)))
	b.ResetTimer()
	for i := range b.N {
		r := receipt()
		r.ID = fmt.Sprintf("01JBENCH%018d", i)
		if err := os.WriteFile(a.WAVPath(r.ID), wav, 0o600); err != nil {
			b.Fatal(err)
		}
		if err := a.Recording(Recording{Receipt: r, SHA256: "00", Frames: 60 * 8000, StartedAt: r.StartedAt, EndedAt: r.StartedAt.Add(time.Minute), Codec: "PCMU"}); err != nil {
			b.Fatal(err)
		}
		if err := <-stored; err != nil {
			b.Fatal(err)
		}
	}
}
