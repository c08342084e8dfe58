package s3_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/s3"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// recordingSize is one minute of the SPEC §5 recording format (stereo,
// 8000 Hz, 16-bit PCM) plus the 44-byte WAV header: 1.92 MB.
const recordingSize = 60*8000*2*2 + 44

// BenchmarkPutRecording uploads one-minute recordings to a local MinIO,
// with a known size as the recorder does, and reports MB/s.
func BenchmarkPutRecording(b *testing.B) {
	srv := miniotest.Start(b)
	wav := bytes.Repeat([]byte{0x12, 0x34}, recordingSize/2)
	for _, bc := range []struct {
		name string
		sse  s3.SSE
	}{
		{"Plain", s3.SSE{}},
		{"SSE-S3", s3.SSE{Mode: s3.SSES3}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			st := srv.NewStore(b, func(o *s3.Options) {
				o.SSE = bc.sse
				o.Logger = slog.New(slog.DiscardHandler)
			})
			opts := storage.PutOptions{ContentType: "audio/wav", Metadata: map[string]string{"sha256": "0123"}}
			b.SetBytes(recordingSize)
			i := 0
			for b.Loop() {
				key := fmt.Sprintf("recordings/2025/03/01/%08d.wav", i)
				if err := st.Put(b.Context(), key, bytes.NewReader(wav), recordingSize, opts); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
