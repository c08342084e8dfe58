package audiotest

import (
	"path/filepath"
	"testing"
	"time"
)

func TestWriteToneReadsBack(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.wav")
	if err := WriteTone(p, 440, 9830, 8000, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	ch, rate, err := ReadWAV(p)
	if err != nil || rate != 8000 || len(ch) != 1 || len(ch[0]) != 16000 {
		t.Fatalf("%v %d %d", err, rate, len(ch))
	}
	if f, _ := DominantTone(ch[0], rate, 440, 1000); f != 440 {
		t.Fatalf("tone %v", f)
	}
}
