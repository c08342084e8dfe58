// Package spooltest gives tests a real small filesystem to put a spool on: a tmpfs the
// test mounts itself (mount(2), as root) and unmounts at cleanup, and a filler that takes
// its free space and gives it back, so "the disk is full" is the kernel's ENOSPC, not a
// fake.
package spooltest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new temporary directory and returns the
// directory; cleanup unmounts it. It needs root and fails the test without it (it never
// skips, except under -short, the tier that runs without root).
func Mount(t testing.TB, size int64) string {
	t.Helper()
	dir := t.TempDir()
	MountAt(t, dir, size)
	return dir
}

// MountAt mounts a tmpfs of size bytes on dir, which it creates if need be (a gateway's
// <data_dir>/spool, before the gateway starts); cleanup unmounts it.
func MountAt(t testing.TB, dir string, size int64) {
	t.Helper()
	if testing.Short() {
		t.Skip("mounts a tmpfs: needs root; not in the -short tier")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	opts := "size=" + strconv.FormatInt(size, 10) + ",mode=0700"
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, opts); err != nil {
		t.Fatalf("mounting a %d-byte tmpfs on %s (needs root): %v", size, dir, err)
	}
	t.Cleanup(func() {
		// MNT_DETACH: a file a failed test left open must not keep the mount.
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", dir, err)
		}
	})
}

// Free is the free space of the filesystem holding dir, in bytes, as an unprivileged
// writer sees it.
func Free(t testing.TB, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// FillerName is the file Fill writes.
const FillerName = ".filler"

// Filler holds the free space of a filesystem.
type Filler struct {
	path string
}

// Fill writes a file into dir until its filesystem has at most keep bytes free (0: until
// the kernel answers ENOSPC). Cleanup deletes it, if Release did not.
func Fill(t testing.TB, dir string, keep int64) *Filler {
	t.Helper()
	path := filepath.Join(dir, FillerName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for free := Free(t, dir); free > keep; free = Free(t, dir) {
		n := min(int64(len(chunk)), free-keep)
		if _, err := f.Write(chunk[:n]); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			t.Fatalf("filling %s: %v", dir, err)
		}
	}
	fl := &Filler{path: path}
	t.Cleanup(func() { os.Remove(fl.path) })
	return fl
}

// Release gives the space back.
func (f *Filler) Release(t testing.TB) {
	t.Helper()
	if err := os.Remove(f.path); err != nil {
		t.Fatal(err)
	}
}
