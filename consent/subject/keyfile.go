package subject

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

// KeyFileName is the file in data_dir that holds the generated HMAC key.
const KeyFileName = "subjects.key"

// LoadOrCreateKey returns the HMAC key for subject pseudonyms. A configured
// key (subjects.hmac_key) is used as its bytes. Otherwise the key is read
// from <dataDir>/subjects.key, which is created with 32 random bytes (hex,
// mode 0600) the first time. Losing this file makes every stored subject
// key unreachable, so it is never overwritten: when two processes race to
// create it, both end up with the one that was linked first.
func LoadOrCreateKey(dataDir, configured string) ([]byte, error) {
	if configured != "" {
		if len(configured) < MinKeyLen {
			return nil, fmt.Errorf("loading subjects.hmac_key: %w", ErrShortKey)
		}
		return []byte(configured), nil
	}
	path := filepath.Join(dataDir, KeyFileName)
	key, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKeyFile(dataDir, path); err != nil {
		return nil, err
	}
	return readKeyFile(path)
}

// LoadKey returns the key LoadOrCreateKey would, without creating one: tools that
// compute pseudonyms for an operator must find the gateway's key, not make a new one.
func LoadKey(dataDir, configured string) ([]byte, error) {
	if configured != "" {
		return LoadOrCreateKey(dataDir, configured)
	}
	return readKeyFile(filepath.Join(dataDir, KeyFileName))
}

func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading subject key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("reading subject key %s: not hex: %w", path, ErrBadKeyFile)
	}
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("reading subject key %s: %w: %w", path, ErrBadKeyFile, ErrShortKey)
	}
	return key, nil
}

// createKeyFile writes the key to a temporary file, syncs it and links it
// into place: link fails if the file exists, so a reader never sees a
// partial key and an existing key is never replaced.
func createKeyFile(dataDir, path string) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("creating subject key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("creating subject key: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, "."+KeyFileName+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating subject key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeAndSync(tmp, hex.EncodeToString(key)+"\n"); err != nil {
		return fmt.Errorf("creating subject key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating subject key: %w", err)
	}
	return syncDir(dataDir)
}

func writeAndSync(f *os.File, s string) error {
	// CreateTemp already makes the file 0600; Chmod guards against a
	// platform that does not.
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
