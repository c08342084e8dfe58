package wavfile

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// crashedSpool writes frames whole frames and extra stray bytes without ever
// closing the writer, as a killed process leaves it.
func crashedSpool(t *testing.T, frames, extra int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crashed.wav")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(ramp(frames, 1, 1), ramp(frames, -1, -1)); err != nil {
		t.Fatal(err)
	}
	if err := w.bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.f.Write(make([]byte, extra)); err != nil {
		t.Fatal(err)
	}
	w.f.Close()
	return path
}

func TestRepairSetsSizesToTheWholeFramesOnDisk(t *testing.T) {
	tests := []struct {
		name   string
		frames int
		extra  int
	}{
		{"header says 0, tail has half a frame", 1000, 2},
		{"tail has three stray bytes", 500, 3},
		{"clean end", 320, 0},
		{"no audio at all", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := crashedSpool(t, tt.frames, tt.extra)
			got, err := Repair(path)
			if err != nil {
				t.Fatalf("Repair: %v", err)
			}
			if got != int64(tt.frames) {
				t.Errorf("frames = %d, want %d", got, tt.frames)
			}
			raw, _ := os.ReadFile(path)
			if want := HeaderSize + tt.frames*FrameBytes; len(raw) != want {
				t.Errorf("file is %d bytes, want %d", len(raw), want)
			}
			if d := binary.LittleEndian.Uint32(raw[40:]); d != uint32(tt.frames*FrameBytes) {
				t.Errorf("data size = %d, want %d", d, tt.frames*FrameBytes)
			}
			if r := binary.LittleEndian.Uint32(raw[4:]); r != uint32(len(raw)-8) {
				t.Errorf("RIFF size = %d, want %d", r, len(raw)-8)
			}
			// Repairing again changes nothing.
			if again, err := Repair(path); err != nil || again != got {
				t.Errorf("second Repair = %d, %v", again, err)
			}
		})
	}
}

func TestRepairFixesWrongSizesFromAnEarlierClose(t *testing.T) {
	path := crashedSpool(t, 10, 0)
	f, _ := os.OpenFile(path, os.O_RDWR, 0)
	binary.Write(f, binary.LittleEndian, []byte("RIFF\xff\xff\xff\xff"))
	f.WriteAt([]byte{0xff, 0xff, 0xff, 0x7f}, 40)
	f.Close()
	if n, err := Repair(path); err != nil || n != 10 {
		t.Errorf("Repair = %d, %v, want 10", n, err)
	}
}

func TestRepairRefusesFilesItDidNotWrite(t *testing.T) {
	dir := t.TempDir()
	mono := header(0)
	binary.LittleEndian.PutUint16(mono[22:], 1)
	for name, data := range map[string][]byte{
		"empty":       nil,
		"short":       []byte("RIFF"),
		"text":        []byte("a shopping list, not a recording, long enough for a header"),
		"mono header": mono[:],
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, data, 0o600)
		if _, err := Repair(path); !errors.Is(err, ErrNotSpool) {
			t.Errorf("%s: Repair error = %v, want ErrNotSpool", name, err)
		}
		if after, _ := os.ReadFile(path); string(after) != string(data) {
			t.Errorf("%s: file was modified", name)
		}
	}
}
