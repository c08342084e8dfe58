package proctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CacheDir is where .ci/run installs the servers the harnesses run (MinIO, nats-server),
// below the home directory.
const CacheDir = ".cache/consentgw/bin"

// FindBinary finds the program name: at $env when that is set, else in CacheDir (root's
// and the user's), else on PATH. Without one the test fails naming install, the command
// that installs it: the tests that need it must not pass by being skipped.
func FindBinary(t testing.TB, name, env, install string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if !isExecutable(p) {
			t.Fatalf("%s=%s is not an executable file", env, p)
		}
		return p
	}
	candidates := []string{filepath.Join("/root", CacheDir, name)}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, CacheDir, name))
	}
	for _, p := range candidates {
		if isExecutable(p) {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Fatalf("no %s binary (looked at $%s, %s, and PATH); install it with:\n  %s",
		name, env, strings.Join(candidates, ", "), install)
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
