package subject

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestConfiguredKeyIsUsedAsBytes(t *testing.T) {
	dir := t.TempDir()
	key, err := LoadOrCreateKey(dir, "a configured secret!")
	if err != nil {
		t.Fatal(err)
	}
	if string(key) != "a configured secret!" {
		t.Fatalf("key = %q", key)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("key file written although a key was configured: %v", err)
	}
	if _, err := LoadOrCreateKey(dir, "short"); !errors.Is(err, ErrShortKey) {
		t.Fatalf("short configured key: %v", err)
	}
}

func TestKeyFileIsCreatedOnceAndReused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := LoadOrCreateKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 32 {
		t.Fatalf("generated key has %d bytes, want 32", len(first))
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	second, err := LoadOrCreateKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatal("second load returned a different key")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data dir holds %d entries, want only the key file", len(entries))
	}
}

func TestConcurrentFirstLoadsAgreeOnOneKey(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = LoadOrCreateKey(dir, "")
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatal("concurrent first loads returned different keys")
		}
	}
}

func TestUnusableKeyFileIsAnError(t *testing.T) {
	for name, content := range map[string]string{"not hex": "zz\n", "short": "00112233\n"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, KeyFileName)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreateKey(dir, ""); !errors.Is(err, ErrBadKeyFile) {
				t.Fatalf("LoadOrCreateKey = %v, want ErrBadKeyFile", err)
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Fatal("an unusable key file was overwritten")
			}
		})
	}
}

func TestLoadKeyFindsTheKeyButNeverMakesOne(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadKey(dir, ""); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadKey without a key file = %v, want not exist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadKey created a key file: %v", err)
	}
	made, err := LoadOrCreateKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := LoadKey(dir, ""); err != nil || !bytes.Equal(got, made) {
		t.Fatalf("LoadKey = %x, %v; want the gateway's key %x", got, err, made)
	}
	if got, err := LoadKey(dir, "a configured secret!"); err != nil || string(got) != "a configured secret!" {
		t.Fatalf("LoadKey with a configured key = %q, %v", got, err)
	}
}
