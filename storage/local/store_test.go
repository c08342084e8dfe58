package local

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/storagetest"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	st, err := New(filepath.Join(t.TempDir(), "objects"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return newStore(t) })
}

func put(t *testing.T, st *Store, key, content string) {
	t.Helper()
	if err := st.Put(t.Context(), key, strings.NewReader(content), int64(len(content)), storage.PutOptions{Metadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
}

// files lists every file and directory under the store, hidden ones too.
func files(t *testing.T, st *Store) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(st.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(st.Dir(), p)
		if rel != "." {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestObjectIsAPlainFileAtItsKey(t *testing.T) {
	st := newStore(t)
	put(t, st, "recordings/2025/03/01/x.wav", "RIFF")
	b, err := os.ReadFile(filepath.Join(st.Dir(), "recordings", "2025", "03", "01", "x.wav"))
	if err != nil || string(b) != "RIFF" {
		t.Fatalf("file holds %q, %v", b, err)
	}
	want := "recordings recordings/2025 recordings/2025/03 recordings/2025/03/01 recordings/2025/03/01/.x.wav.meta recordings/2025/03/01/x.wav"
	if got := strings.Join(files(t, st), " "); got != want {
		t.Fatalf("tree = %s\nwant   %s", got, want)
	}
}

func TestDeletePrunesEmptyDirectoriesAndSidecar(t *testing.T) {
	st := newStore(t)
	put(t, st, "subjects/ab/1.json", "{}")
	put(t, st, "subjects/cd/1.json", "{}")
	if err := st.Delete(t.Context(), "subjects/ab/1.json"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(files(t, st), " "); got != "subjects subjects/cd subjects/cd/.1.json.meta subjects/cd/1.json" {
		t.Fatalf("tree after first delete = %s", got)
	}
	if err := st.Delete(t.Context(), "subjects/cd/1.json"); err != nil {
		t.Fatal(err)
	}
	if got := files(t, st); len(got) != 0 {
		t.Fatalf("tree after deleting everything = %v", got)
	}
	if _, err := os.Stat(st.Dir()); err != nil {
		t.Fatalf("store directory itself was pruned: %v", err)
	}
}

func TestDeleteRemovesOrphanSidecar(t *testing.T) {
	st := newStore(t)
	put(t, st, "a/b.json", "{}")
	// As if the process died between the sidecar's and the object's rename.
	if err := os.Remove(filepath.Join(st.Dir(), "a", "b.json")); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(t.Context(), "a/b.json"); err != nil {
		t.Fatal(err)
	}
	if got := files(t, st); len(got) != 0 {
		t.Fatalf("tree = %v", got)
	}
}

func TestObjectWithoutSidecarGetsDefaults(t *testing.T) {
	st := newStore(t)
	for key, want := range map[string]string{"a/b.json": "application/json", "a/b": storage.DefaultContentType} {
		put(t, st, key, "{}")
		if err := os.Remove(filepath.Join(st.Dir(), "a", "."+path.Base(key)+".meta")); err != nil {
			t.Fatal(err)
		}
		info, err := st.Stat(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if info.ContentType != want || len(info.Metadata) != 0 {
			t.Fatalf("%s: info = %+v, want %s", key, info, want)
		}
	}
}

func TestSidecarIsLeftOutWhenItWouldOnlyRepeatTheName(t *testing.T) {
	st := newStore(t)
	put(t, st, "consent/r.json", "{}") // with metadata: a sidecar
	if err := st.Put(t.Context(), "consent/r.json", strings.NewReader("[]"), 2, storage.PutOptions{ContentType: "application/json"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(files(t, st), " "); got != "consent consent/r.json" {
		t.Fatalf("tree = %s, want the object alone (the earlier sidecar removed)", got)
	}
	info, err := st.Stat(t.Context(), "consent/r.json")
	if err != nil || info.ContentType != "application/json" || len(info.Metadata) != 0 {
		t.Fatalf("info = %+v, %v", info, err)
	}
}

func TestFailedPutLeavesNoTemporaryFiles(t *testing.T) {
	st := newStore(t)
	put(t, st, "a/keep", "x")
	before := strings.Join(files(t, st), " ")
	if err := st.Put(t.Context(), "a/long", strings.NewReader("too long"), 3, storage.PutOptions{}); !errors.Is(err, storage.ErrSizeMismatch) {
		t.Fatalf("Put of a long reader = %v, want ErrSizeMismatch", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := st.Put(ctx, "a/canceled", strings.NewReader("x"), 1, storage.PutOptions{}); err == nil {
		t.Fatal("canceled Put succeeded")
	}
	if after := strings.Join(files(t, st), " "); after != before {
		t.Fatalf("tree changed from %s to %s", before, after)
	}
}

func TestSymlinkOutOfTheStoreIsNotFollowed(t *testing.T) {
	st := newStore(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(st.Dir(), "evil")); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(t.Context(), "evil/planted", strings.NewReader("x"), 1, storage.PutOptions{}); err == nil {
		t.Error("Put through a symlink out of the store succeeded")
	}
	if _, _, err := st.Get(t.Context(), "evil/secret"); err == nil {
		t.Error("Get through a symlink out of the store succeeded")
	}
	if err := st.Delete(t.Context(), "evil/secret"); err == nil {
		if _, serr := os.Stat(filepath.Join(outside, "secret")); serr != nil {
			t.Error("Delete through a symlink removed a file outside the store")
		}
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("outside directory now holds %d entries", len(entries))
	}
	infos, err := st.List(t.Context(), "")
	if err != nil || len(infos) != 0 {
		t.Errorf("List followed the symlink: %v, %v", infos, err)
	}
}

func TestOverlongSegmentIsInvalid(t *testing.T) {
	st := newStore(t)
	key := "exports/" + strings.Repeat("r", maxSegment+1)
	if err := st.Put(t.Context(), key, strings.NewReader("x"), 1, storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("Put = %v, want ErrInvalidKey", err)
	}
}

func TestURLIsTheFilePath(t *testing.T) {
	st := newStore(t)
	u, err := url.Parse(st.URL("exports/req 1.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "file" || u.Path != filepath.ToSlash(filepath.Join(st.Dir(), "exports", "req 1.zip")) {
		t.Fatalf("URL = %s", u)
	}
}

func TestPingFailsWhenDirectoryIsGone(t *testing.T) {
	st := newStore(t)
	if err := os.RemoveAll(st.Dir()); err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(t.Context()); err == nil {
		t.Fatal("Ping succeeded on a removed directory")
	}
}

func TestEraseSaysWhetherThereWasAnObject(t *testing.T) {
	st, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const key = "consent/2026/01/01/A.json"
	if err := st.Put(t.Context(), key, strings.NewReader("{}"), 2, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{1, 0} {
		if n, err := st.Erase(t.Context(), key); err != nil || n != want {
			t.Fatalf("Erase = %d, %v; want %d", n, err, want)
		}
	}
}
