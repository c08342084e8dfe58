// Package keyfile keeps the secrets a deployment generates for itself in data_dir (the
// subject-key HMAC key, the signing key of receipts and erasure certificates): random
// bytes written once as hex with mode 0600, never replaced.
package keyfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrBadFile is returned for a key file that is not hex or holds too few bytes.
var ErrBadFile = errors.New("keyfile: not a valid key file")

// Size is how many random bytes a generated key has.
const Size = 32

// LoadOrCreate returns the key in <dir>/<name>, creating it with Size random bytes the
// first time. Losing the file loses what the key protects, so it is never overwritten:
// when two processes race to create it, both end up with the one that was linked first.
func LoadOrCreate(dir, name string, minLen int) ([]byte, error) {
	path := filepath.Join(dir, name)
	key, err := read(path, minLen)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	fresh := make([]byte, Size)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("creating key file %s: %w", name, err)
	}
	if err := create(dir, name, hex.EncodeToString(fresh)+"\n"); err != nil {
		return nil, err
	}
	return read(path, minLen)
}

// LoadOrCreateText returns the text key in <dir>/<name> (an age identity, for example),
// trimmed, creating it the first time with what generate returns. Like LoadOrCreate it is
// written once, never replaced, and racing creators end up with the same key.
func LoadOrCreateText(dir, name string, generate func() (string, error)) (string, error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		text, gerr := generate()
		if gerr != nil {
			return "", fmt.Errorf("creating key file %s: %w", name, gerr)
		}
		if err := create(dir, name, text+"\n"); err != nil {
			return "", err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("reading key file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// LoadText reads the text key in <dir>/<name> without creating it.
func LoadText(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", fmt.Errorf("reading key file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Load reads the key in <dir>/<name> without creating it (tools that only verify).
func Load(dir, name string, minLen int) ([]byte, error) {
	return read(filepath.Join(dir, name), minLen)
}

func read(path string, minLen int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading key file: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("reading key file %s: not hex: %w", path, ErrBadFile)
	}
	if len(key) < minLen {
		return nil, fmt.Errorf("reading key file %s: %d bytes, want at least %d: %w", path, len(key), minLen, ErrBadFile)
	}
	return key, nil
}

// create writes content to a temporary file, syncs it and links it into place: link
// fails if the file exists, so a reader never sees a partial key and an existing key is
// never replaced.
func create(dir, name, content string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating key file %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating key file %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if err := writeAndSync(tmp, content); err != nil {
		return fmt.Errorf("creating key file %s: %w", name, err)
	}
	if err := os.Link(tmp.Name(), filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating key file %s: %w", name, err)
	}
	return syncDir(dir)
}

func writeAndSync(f *os.File, s string) error {
	// CreateTemp already makes the file 0600; Chmod guards against a platform that does
	// not.
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(s)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes the new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
