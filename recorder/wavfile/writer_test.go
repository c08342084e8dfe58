package wavfile

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/go-audio/wav"
)

func ramp(n int, start, step int16) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = start + int16(i)*step
	}
	return out
}

func TestWriterProducesAWAVThatGoAudioReadsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var wantL, wantR []int16
	for i := range 3 {
		l, r := ramp(160, int16(i*1000), 3), ramp(160, -int16(i*1000), -7)
		if err := w.WriteFrame(l, r); err != nil {
			t.Fatal(err)
		}
		wantL, wantR = append(wantL, l...), append(wantR, r...)
	}
	// Odd-sized frames are fine too (a flush of a partial slot).
	if err := w.WriteFrame([]int16{32767}, []int16{-32768}); err != nil {
		t.Fatal(err)
	}
	wantL, wantR = append(wantL, 32767), append(wantR, -32768)
	if got := w.Frames(); got != 481 {
		t.Errorf("Frames = %d, want 481", got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	raw, _ := os.ReadFile(path)
	if len(raw) != HeaderSize+481*4 {
		t.Fatalf("file is %d bytes, want %d", len(raw), HeaderSize+481*4)
	}
	for _, f := range []struct {
		name string
		off  int
		want uint32
	}{{"RIFF size", 4, uint32(len(raw) - 8)}, {"data size", 40, 481 * 4}, {"rate", 24, 8000}, {"byte rate", 28, 32000}} {
		if got := binary.LittleEndian.Uint32(raw[f.off:]); got != f.want {
			t.Errorf("%s = %d, want %d", f.name, got, f.want)
		}
	}

	fh, _ := os.Open(path)
	defer fh.Close()
	d := wav.NewDecoder(fh)
	buf, err := d.FullPCMBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if d.NumChans != 2 || d.SampleRate != 8000 || d.BitDepth != 16 || d.WavAudioFormat != 1 {
		t.Errorf("format = %d ch %d Hz %d bit fmt %d", d.NumChans, d.SampleRate, d.BitDepth, d.WavAudioFormat)
	}
	var gotL, gotR []int16
	for i := 0; i+1 < len(buf.Data); i += 2 {
		gotL, gotR = append(gotL, int16(buf.Data[i])), append(gotR, int16(buf.Data[i+1]))
	}
	if !slices.Equal(gotL, wantL) || !slices.Equal(gotR, wantR) {
		t.Error("samples read back differ from those written")
	}
}

func TestCreateRefusesAnExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	if err := os.WriteFile(path, []byte("earlier recording"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create error = %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "earlier recording" {
		t.Error("existing file was touched")
	}
}

func TestSpoolFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	st, _ := os.Stat(path)
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("mode %v, want no group or other access", st.Mode().Perm())
	}
}

func TestWriteFrameRejectsUnequalChannels(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "call.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.WriteFrame(make([]int16, 160), make([]int16, 80)); !errors.Is(err, ErrFrameMismatch) {
		t.Errorf("error = %v, want ErrFrameMismatch", err)
	}
}

func TestAbortLeavesNoFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(make([]int16, 160), make([]int16, 160)); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file still there: %v", err)
	}
	if err := w.WriteFrame(nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteFrame after Abort = %v, want ErrClosed", err)
	}
}

func TestAbortAfterCloseRemovesTheFinishedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	w, _ := Create(path)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file still there: %v", err)
	}
}
