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
	meta, err := json.Marshal(newSidecar(opts))
	if err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	dir, base := path.Dir(key), path.Base(key)

	var temps []string
	defer func() {
		for _, name := range temps {
			if rerr := removeIfExists(s.root, name); rerr != nil && err == nil {
				err = fmt.Errorf("putting %s: cleaning up: %w", key, rerr)
			}
		}
	}()
	content, err := s.writeTemp(dir, base, func(w io.Writer) error { return copyExact(ctx, w, r, size) })
	if content != "" {
		temps = append(temps, content)
	}
	if err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	side, err := s.writeTemp(dir, base, func(w io.Writer) error { _, err := w.Write(meta); return err })
	if side != "" {
		temps = append(temps, side)
	}
	if err != nil {
		return fmt.Errorf("putting metadata of %s: %w", key, err)
	}
	if err := s.synced.wait(); err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}

	s.mu.Lock()
	err = s.root.Rename(side, sidecarName(key))
	if err == nil {
		err = s.root.Rename(content, key)
		if err != nil {
			// e.g. key names a directory: leave no sidecar without an object.
			if _, serr := s.root.Stat(key); serr != nil {
				_ = removeIfExists(s.root, sidecarName(key))
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

// writeTemp creates a hidden temporary file in dir and fills it with write;
// the caller syncs it. It returns the file's name whenever one was created,
// so the caller can remove it.
func (s *Store) writeTemp(dir, base string, write func(io.Writer) error) (string, error) {
	f, name, err := s.createTemp(dir, "."+base)
	if err != nil {
		return "", err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return name, err
}

// createTemp makes dir (unless it was made lately) and a new hidden file in
// it. A concurrent Delete may prune dir between the two steps, so an ENOENT
// is retried a few times, making dir again.
func (s *Store) createTemp(dir, prefix string) (*os.File, string, error) {
	var lastErr error
	for attempt := range 8 {
		if dir != "." && (attempt > 0 || !s.dirs.has(dir)) {
			if err := s.root.MkdirAll(dir, dirPerm); err != nil {
				return nil, "", err
			}
			s.dirs.add(dir)
		}
		var rnd [8]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return nil, "", err
		}
		name := path.Join(dir, prefix+".tmp-"+hex.EncodeToString(rnd[:]))
		f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
		if err == nil {
			return f, name, nil
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
		lastErr = err
	}
	return nil, "", lastErr
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
