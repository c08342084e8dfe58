// Package local is the object store in a local directory (storage.dir):
// each key is a file under the directory, written atomically.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/consentgw/consentgw/storage"
)

const (
	dirPerm  = 0o750
	filePerm = 0o640
	// maxSegment leaves room in a 255-byte file name for the hidden
	// sidecar and temporary-file prefixes and suffixes.
	maxSegment = 200
)

// Store keeps objects as files under one directory. All file access goes
// through an os.Root, so no key, symlink or race can reach outside it.
//
// A Put renames the sidecar and then the object into place while holding
// mu, and Get/Stat read both under mu's read lock, so within one process a
// reader always sees an object with its own metadata.
type Store struct {
	dir     string
	root    *os.Root
	rootDir *os.File // the directory itself, for syncfs
	synced  *groupSync
	dirs    dirCache
	mu      sync.RWMutex
}

var _ storage.Store = (*Store)(nil)

// New opens (creating if needed) the store in dir.
func New(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("opening local store %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, fmt.Errorf("opening local store %s: %w", dir, err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("opening local store %s: %w", dir, err)
	}
	rootDir, err := root.Open(".")
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("opening local store %s: %w", dir, err)
	}
	return &Store{dir: abs, root: root, rootDir: rootDir, synced: newGroupSync(rootDir)}, nil
}

// Close releases the store's directory handles.
func (s *Store) Close() error {
	s.rootDir.Close()
	return s.root.Close()
}

// Dir is the store's absolute directory.
func (s *Store) Dir() string { return s.dir }

func checkKey(key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	for seg := range strings.SplitSeq(key, "/") {
		if len(seg) > maxSegment {
			return fmt.Errorf("%w: %w", storage.ErrInvalidKey, ErrSegmentTooLong)
		}
	}
	return nil
}

// Get opens the object. The returned file stays readable even if the object
// is replaced or deleted meanwhile.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("getting %q: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("getting %s: %w", key, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, err := s.root.Open(key)
	if err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("getting %s: %w", key, notFound(err))
	}
	info, err := s.describe(key, f.Stat)
	if err != nil {
		f.Close()
		return nil, storage.ObjectInfo{}, fmt.Errorf("getting %s: %w", key, err)
	}
	return f, info, nil
}

// Stat describes the object.
func (s *Store) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("stat %q: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	info, err := s.describe(key, func() (fs.FileInfo, error) { return s.root.Stat(key) })
	if err != nil {
		return storage.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	return info, nil
}

// describe builds the ObjectInfo of key from its file and sidecar; the
// caller holds mu.
func (s *Store) describe(key string, stat func() (fs.FileInfo, error)) (storage.ObjectInfo, error) {
	fi, err := stat()
	if err != nil {
		return storage.ObjectInfo{}, notFound(err)
	}
	if !fi.Mode().IsRegular() {
		// A directory is a prefix of other keys, not an object.
		return storage.ObjectInfo{}, storage.ErrNotFound
	}
	sc, err := s.readSidecar(key)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	return storage.ObjectInfo{
		Key:         key,
		Size:        fi.Size(),
		ContentType: sc.ContentType,
		Metadata:    sc.Metadata,
		Modified:    fi.ModTime(),
	}, nil
}

// Delete removes the object and its sidecar, then the directories that
// became empty, so an erased subject leaves no trace in the tree.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.Erase(ctx, key)
	return err
}

// Erase is Delete that says whether there was an object (storage.Eraser): 1 or 0, as
// the directory keeps no versions.
func (s *Store) Erase(ctx context.Context, key string) (int, error) {
	if err := checkKey(key); err != nil {
		return 0, fmt.Errorf("deleting %q: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("deleting %s: %w", key, err)
	}
	n, err := s.remove(key)
	if err != nil {
		return 0, err
	}
	// The sync runs outside the lock: an erase deletes many keys at once, and they share
	// the commits.
	if err := s.synced.wait(); err != nil {
		return 0, fmt.Errorf("deleting %s: %w", key, err)
	}
	return n, nil
}

// remove deletes the object and its sidecar and prunes emptied directories; it returns
// 1 if there was an object.
func (s *Store) remove(key string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	fi, err := s.root.Lstat(key)
	switch {
	case err == nil && fi.IsDir():
		return 0, nil // a prefix of other keys, not an object
	case err == nil:
		if err := removeIfExists(s.root, key); err != nil {
			return 0, fmt.Errorf("deleting %s: %w", key, err)
		}
		n = 1
	case isNotDir(err):
		return 0, nil // a parent is a file: neither object nor sidecar can exist
	case !errors.Is(err, fs.ErrNotExist):
		return 0, fmt.Errorf("deleting %s: %w", key, err)
	}
	// Also when the object is missing: a sidecar orphaned by a crash
	// between the renames of a first Put must not outlive an erase.
	if err := removeIfExists(s.root, sidecarName(key)); err != nil {
		return 0, fmt.Errorf("deleting metadata of %s: %w", key, err)
	}
	s.prune(path.Dir(key))
	return n, nil
}

// prune removes dir and its parents while they are empty. It stops at the
// first one that is not: rmdir refuses non-empty directories, so a Put
// whose temporary file already sits in a directory keeps it alive.
func (s *Store) prune(dir string) {
	for ; dir != "." && dir != "/"; dir = path.Dir(dir) {
		if s.root.Remove(dir) != nil {
			return
		}
		s.dirs.forget(dir)
	}
}

// List walks only the directory named by prefix up to its last '/', so a
// subject's index lookup reads one directory, not the whole store.
func (s *Store) List(ctx context.Context, prefix string) ([]storage.ObjectInfo, error) {
	if err := storage.ValidPrefix(prefix); err != nil {
		return nil, fmt.Errorf("listing %q: %w", prefix, err)
	}
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
	}
	var out []storage.ObjectInfo
	err := fs.WalkDir(s.root.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// Gone meanwhile (a concurrent Delete pruned it) or never there.
			if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p != start && strings.HasPrefix(d.Name(), ".") {
			// Sidecars, temporary files, and anything else hidden.
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != "." && !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(p, prefix) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		out = append(out, storage.ObjectInfo{Key: p, Size: fi.Size(), Modified: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %q: %w", prefix, err)
	}
	// WalkDir's order is per directory ("a" before "a.b" before "a/b"'s
	// siblings); keys must come in plain byte order as in S3.
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Ping checks that the directory is still there and writable.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pinging local store: %w", err)
	}
	d, f, name, err := s.createTemp(".", ".ping")
	if err != nil {
		return fmt.Errorf("pinging local store %s: %w", s.dir, err)
	}
	defer d.Close()
	f.Close()
	if err := d.Remove(name); err != nil {
		return fmt.Errorf("pinging local store %s: %w", s.dir, err)
	}
	return nil
}

// URL returns the object's file:// URL, or "" for an invalid key.
func (s *Store) URL(key string) string {
	if checkKey(key) != nil {
		return ""
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(s.dir, filepath.FromSlash(key)))}
	return u.String()
}

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
		return storage.ErrNotFound
	}
	return err
}

func removeIfExists(root *os.Root, name string) error {
	if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
