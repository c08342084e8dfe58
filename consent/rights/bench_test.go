package rights

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// oneMinute is a minute of the gateway's stereo 8 kHz 16-bit WAV.
const oneMinute = 44 + 60*8000*4

// benchStores runs fn on the local store and on a real MinIO.
func benchStores(b *testing.B, fn func(b *testing.B, st storage.Store)) {
	b.Run("local", func(b *testing.B) { fn(b, localStore(b)) })
	b.Run("MinIO", func(b *testing.B) {
		m := miniotest.Start(b)
		fn(b, m.NewStore(b, nil))
	})
}

// seedMany stores n recorded calls of the subject (with an agent), on 8 goroutines.
func seedMany(b *testing.B, st storage.Store, subjectKey string, n, wavSize int) {
	b.Helper()
	agent := ref(subject.TypeAgent, keyOf(b, subject.TypeAgent, agentUser))
	wav := wavBytes(wavSize, 7)
	start := time.Now().Add(-time.Hour)
	calls := make(chan call)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range calls {
				seed(b, st, c)
			}
		}()
	}
	for i := range n {
		calls <- newCall(start.Add(time.Duration(i)*time.Millisecond), wav, consent.SubjectRef{Type: "tel", Key: subjectKey}, agent)
	}
	close(calls)
	wg.Wait()
}

func BenchmarkEraseSubjectWith1000Recordings(b *testing.B) {
	benchStores(b, func(b *testing.B, st storage.Store) {
		svc := newService(b, st, &sink{}, nil)
		key := keyOf(b, subject.TypeTel, aliceNumber)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			seedMany(b, st, key, 1000, 8000)
			b.StartTimer()
			res, err := svc.Erase(b.Context(), Request{RequestID: fmt.Sprintf("bench-erase-%d", i), Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}})
			if err != nil || res.RecordingsDeleted != 1000 {
				b.Fatalf("erase: %+v, %v", res, err)
			}
		}
	})
}

func BenchmarkExportSubjectWith100OneMinuteRecordings(b *testing.B) {
	benchStores(b, func(b *testing.B, st storage.Store) {
		svc := newService(b, st, &sink{}, nil)
		key := keyOf(b, subject.TypeTel, aliceNumber)
		seedMany(b, st, key, 100, oneMinute)
		b.SetBytes(100 * oneMinute)
		for i := 0; b.Loop(); i++ {
			res, err := svc.Export(b.Context(), Request{RequestID: fmt.Sprintf("bench-export-%d", i), Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}})
			if err != nil || res.Recordings != 100 {
				b.Fatalf("export: %+v, %v", res, err)
			}
			b.StopTimer()
			if err := st.Delete(b.Context(), res.Object); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
}
