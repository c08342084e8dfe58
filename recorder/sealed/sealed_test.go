package sealed

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent/sealing"
)

type keys struct {
	caller, agent, spool *age.X25519Identity
}

func newKeys(t *testing.T) keys {
	t.Helper()
	var k keys
	for _, id := range []**age.X25519Identity{&k.caller, &k.agent, &k.spool} {
		var err error
		if *id, err = age.GenerateX25519Identity(); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

func newWriter(t *testing.T, dir string, k keys) *Writer {
	t.Helper()
	w, err := Create(Options{
		Caller: Stream{Path: filepath.Join(dir, "c.age"), Recipients: []age.Recipient{k.caller.Recipient()}},
		Agent:  Stream{Path: filepath.Join(dir, "a.age"), Recipients: []age.Recipient{k.agent.Recipient()}},
		Spool:  k.spool.Recipient(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// ramp is frames samples per channel: the caller counts up from 0, the agent down.
func ramp(t *testing.T, w *Writer, frames int) {
	t.Helper()
	for done := 0; done < frames; {
		n := min(160, frames-done)
		l, r := make([]int16, n), make([]int16, n)
		for i := range n {
			l[i], r[i] = int16(done+i), -int16(done+i)
		}
		if err := w.WriteFrame(l, r); err != nil {
			t.Fatal(err)
		}
		done += n
	}
}

// samples decrypts a stream with id.
func samples(t *testing.T, path string, id age.Identity) ([]int16, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := sealing.OpenStream(f, id)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	out := make([]int16, len(b)/2)
	binary.Read(bytes.NewReader(b), binary.LittleEndian, out)
	return out, nil
}

func checkRamp(t *testing.T, got []int16, n int, sign int16) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d samples, want %d", len(got), n)
	}
	for i, s := range got {
		if s != sign*int16(i) {
			t.Fatalf("sample %d = %d, want %d", i, s, sign*int16(i))
		}
	}
}

func TestEachPartysChannelOpensWithItsOwnKeyOnly(t *testing.T) {
	dir, k := t.TempDir(), newKeys(t)
	w := newWriter(t, dir, k)
	const frames = 3*sealing.ChunkBytes/sealing.SampleBytes + 123 // chunks and a short last one
	ramp(t, w, frames)
	if w.Frames() != frames {
		t.Fatalf("Frames = %d", w.Frames())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := samples(t, filepath.Join(dir, "c.age"), k.caller)
	if err != nil {
		t.Fatal(err)
	}
	checkRamp(t, got, frames, 1)
	got, err = samples(t, filepath.Join(dir, "a.age"), k.agent)
	if err != nil {
		t.Fatal(err)
	}
	checkRamp(t, got, frames, -1)
	for _, c := range []struct {
		file string
		id   *age.X25519Identity
	}{{"c.age", k.agent}, {"a.age", k.caller}, {"c.age", k.spool}} {
		if _, err := samples(t, filepath.Join(dir, c.file), c.id); err == nil {
			t.Errorf("%s opened with a key it was not encrypted to", c.file)
		}
	}
	for _, name := range []string{"c.age", "a.age"} {
		st, _ := os.Stat(filepath.Join(dir, name))
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode %v", name, st.Mode().Perm())
		}
		raw, _ := os.ReadFile(filepath.Join(dir, name))
		if bytes.Contains(raw, []byte{0, 0, 1, 0, 2, 0, 3, 0}) || bytes.Contains(raw, []byte{0xff, 0xff, 0xfe, 0xff, 0xfd, 0xff}) {
			t.Errorf("%s holds the audio in clear", name)
		}
	}
}

// A gateway killed mid-call leaves streams without a last chunk (and maybe a torn one):
// Repair keeps every whole chunk, ends the stream properly, and the result opens with the
// party's key like any finished stream.
func TestRepairMakesAKilledStreamWholeUpToItsLastChunk(t *testing.T) {
	const chunk = sealing.ChunkBytes / sealing.SampleBytes
	for _, tc := range []struct {
		name   string
		tear   int64 // bytes cut off the file's end after the process died
		frames int
		kept   int
	}{
		{"chunk boundary", 0, 2*chunk + 500, 2 * chunk},
		{"torn chunk", 1000, 3*chunk + 10, 2 * chunk},
		{"nothing but the header", 0, 100, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, k := t.TempDir(), newKeys(t)
			w := newWriter(t, dir, k)
			ramp(t, w, tc.frames)
			spoolKey, _ := w.SpoolKeys()
			// The process dies: nothing is closed; the file holds what was written.
			path := filepath.Join(dir, "c.age")
			if tc.tear > 0 {
				st, _ := os.Stat(path)
				os.Truncate(path, st.Size()-tc.tear)
			}
			if _, err := samples(t, path, k.caller); err == nil {
				t.Fatal("a killed stream opened whole before its repair")
			}
			dst := filepath.Join(dir, "c.repaired.age")
			frames, again, _, err := Repair(path, dst, spoolKey, k.spool, k.spool.Recipient(), []age.Recipient{k.caller.Recipient()})
			if err != nil {
				t.Fatal(err)
			}
			if frames != int64(tc.kept) {
				t.Fatalf("kept %d frames, want %d", frames, tc.kept)
			}
			got, err := samples(t, dst, k.caller)
			if err != nil {
				t.Fatalf("repaired stream: %v", err)
			}
			checkRamp(t, got, tc.kept, 1)
			// The repaired stream can be repaired again with the key Repair returned.
			if n, _, _, err := Repair(dst, filepath.Join(dir, "twice.age"), again, k.spool, k.spool.Recipient(), []age.Recipient{k.caller.Recipient()}); err != nil || n != frames {
				t.Fatalf("second repair: %d frames, %v", n, err)
			}
		})
	}
}

func TestRepairRefusesAStreamOfAnotherKey(t *testing.T) {
	dir, k := t.TempDir(), newKeys(t)
	w := newWriter(t, dir, k)
	ramp(t, w, 100)
	w.Close()
	other := newWriter(t, t.TempDir(), k)
	otherKey, _ := other.SpoolKeys()
	_, _, _, err := Repair(filepath.Join(dir, "c.age"), filepath.Join(dir, "x.age"), otherKey, k.spool, k.spool.Recipient(), []age.Recipient{k.caller.Recipient()})
	if !errors.Is(err, ErrNotSealed) {
		t.Fatalf("Repair = %v, want ErrNotSealed", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.age")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a failed repair left its output")
	}
}

func TestAbortLeavesNoStream(t *testing.T) {
	dir, k := t.TempDir(), newKeys(t)
	w := newWriter(t, dir, k)
	ramp(t, w, 40000)
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}
	if err := w.WriteFrame(nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteFrame after Abort = %v", err)
	}
}

func TestCreateRefusesAnExistingStream(t *testing.T) {
	dir, k := t.TempDir(), newKeys(t)
	os.WriteFile(filepath.Join(dir, "a.age"), []byte("earlier"), 0o600)
	if _, err := Create(Options{
		Caller: Stream{Path: filepath.Join(dir, "c.age"), Recipients: []age.Recipient{k.caller.Recipient()}},
		Agent:  Stream{Path: filepath.Join(dir, "a.age"), Recipients: []age.Recipient{k.agent.Recipient()}},
		Spool:  k.spool.Recipient(),
	}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create = %v, want ErrExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "c.age")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("the caller's stream was left behind")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.age")); string(b) != "earlier" {
		t.Fatal("the existing file was touched")
	}
}

// A chunk that fails to authenticate in the middle of a stream ends the repair there, as
// a torn tail does, but Repair says how much it dropped: more than a whole chunk, where a
// torn tail drops less, so the caller can tell an operator.
func TestRepairSaysWhatACorruptChunkDropped(t *testing.T) {
	const chunk = sealing.ChunkBytes / sealing.SampleBytes
	for _, tc := range []struct {
		name    string
		corrupt bool // flip a byte of the second chunk
		tear    int64
	}{
		{"torn tail", false, 1000},
		{"corrupt middle chunk", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, k := t.TempDir(), newKeys(t)
			w := newWriter(t, dir, k)
			ramp(t, w, 4*chunk+10)
			spoolKey, _ := w.SpoolKeys()
			path := filepath.Join(dir, "c.age")
			st, _ := os.Stat(path)
			if tc.tear > 0 {
				os.Truncate(path, st.Size()-tc.tear)
			}
			if tc.corrupt {
				f, _ := os.OpenFile(path, os.O_RDWR, 0)
				b := make([]byte, 1)
				at := st.Size() - 2*DroppedChunk - 100 // inside the second of four chunks
				f.ReadAt(b, at)
				b[0] ^= 0xff
				f.WriteAt(b, at)
				f.Close()
			}
			frames, _, dropped, err := Repair(path, filepath.Join(dir, "r.age"), spoolKey, k.spool, k.spool.Recipient(), []age.Recipient{k.caller.Recipient()})
			if err != nil {
				t.Fatal(err)
			}
			if tc.corrupt && (frames != chunk || dropped < DroppedChunk) {
				t.Fatalf("kept %d frames, dropped %d bytes: want %d frames and at least a chunk (%d) dropped", frames, dropped, chunk, DroppedChunk)
			}
			if !tc.corrupt && (frames != 3*chunk || dropped >= DroppedChunk) {
				t.Fatalf("kept %d frames, dropped %d bytes: want %d frames and less than a chunk dropped", frames, dropped, 3*chunk)
			}
		})
	}
}
