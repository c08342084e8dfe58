package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"

	"github.com/consentgw/consentgw/storage"
)

// Put writes the content and the sidecar to temporary files in the key's
// directory, syncs them, and renames them into place, so a reader sees the
// old object or the new one, never a part. The sidecar goes first: a crash
// between the renames leaves an invisible orphan sidecar rather than a
// visible object without its metadata. Both syncs (the files before the
// renames, the renames before Put returns) are shared with concurrent Puts.
//
// An object whose sidecar would only repeat the defaults (no metadata, the
// content type its name implies: a receipt, an index entry) gets none, and a
// sidecar of an earlier version is removed.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) (err error) {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("putting %q: %w", key, err)
	}
	if err := storage.ValidMetadata(opts.Metadata); err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	sc := newSidecar(opts)
	var meta []byte
	if !sc.implied(key) {
		if meta, err = json.Marshal(sc); err != nil {
			return fmt.Errorf("putting %s: %w", key, err)
		}
	}
	dir, base := path.Dir(key), path.Base(key)
	// Every step below works on names inside the key's directory, opened once, instead
	// of walking the key's path from the store's root each time.
	d, content, contentName, err := s.createTemp(dir, "."+base)
	if err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	defer d.Close()
	temps := []string{contentName}
	defer func() {
		for _, name := range temps {
			if rerr := removeIfExists(d, name); rerr != nil && err == nil {
				err = fmt.Errorf("putting %s: cleaning up: %w", key, rerr)
			}
		}
	}()
	if err := fill(content, func(w io.Writer) error { return copyExact(ctx, w, r, size) }); err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	var side string
	if meta != nil {
		f, name, err := createIn(d, "."+base)
		if err != nil {
			return fmt.Errorf("putting metadata of %s: %w", key, err)
		}
		side = name
		temps = append(temps, side)
		if err := fill(f, func(w io.Writer) error { _, err := w.Write(meta); return err }); err != nil {
			return fmt.Errorf("putting metadata of %s: %w", key, err)
		}
	}
	if err := s.synced.wait(); err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}

	sideName := path.Base(sidecarName(key))
	s.mu.Lock()
	if side != "" {
		err = d.Rename(side, sideName)
	} else {
		err = removeIfExists(d, sideName)
	}
	if err == nil {
		err = d.Rename(contentName, base)
		if err != nil && side != "" {
			// e.g. key names a directory: leave no sidecar without an object.
			if _, serr := d.Stat(base); serr != nil {
				_ = removeIfExists(d, sideName)
			}
		}
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	temps = nil
	if err := s.synced.wait(); err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	return nil
}

// fill writes f's content with write and closes it; the caller syncs it.
func fill(f *os.File, write func(io.Writer) error) error {
	err := write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// createTemp opens dir (making it unless it was made lately) and creates a
// new hidden file in it; name is the file's name in the returned directory.
// A concurrent Delete may prune dir between the two steps, so an ENOENT is
// retried a few times, making dir again.
func (s *Store) createTemp(dir, prefix string) (d *os.Root, f *os.File, name string, err error) {
	for attempt := range 8 {
		if dir != "." && (attempt > 0 || !s.dirs.has(dir)) {
			if err := s.root.MkdirAll(dir, dirPerm); err != nil {
				return nil, nil, "", err
			}
			s.dirs.add(dir)
		}
		if d, err = s.root.OpenRoot(dir); err == nil {
			if f, name, err = createIn(d, prefix); err == nil {
				return d, f, name, nil
			}
			d.Close()
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrExist) {
			return nil, nil, "", err
		}
	}
	return nil, nil, "", err
}

// createIn creates a new hidden temporary file in d, named after prefix.
func createIn(d *os.Root, prefix string) (*os.File, string, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, "", err
	}
	name := prefix + ".tmp-" + hex.EncodeToString(rnd[:])
	f, err := d.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	return f, name, err
}

// copyExact copies r to w, failing if r's length is not size (unless size
// is -1) or if ctx ends first.
func copyExact(ctx context.Context, w io.Writer, r io.Reader, size int64) error {
	src := io.Reader(ctxReader{ctx, r})
	if size >= 0 {
		// One byte past size tells a long reader from an exact one.
		src = io.LimitReader(src, size+1)
	}
	n, err := io.Copy(w, src)
	if err != nil {
		return err
	}
	switch {
	case size < 0:
	case n > size:
		return fmt.Errorf("%w: reader longer than %d bytes", storage.ErrSizeMismatch, size)
	case n < size:
		return fmt.Errorf("%w: reader ended after %d of %d bytes", storage.ErrSizeMismatch, n, size)
	}
	return nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
