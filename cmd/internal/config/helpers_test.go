package config

import (
	"os"
	"path/filepath"
	"testing"
)

// writeConfig puts YAML text in a temporary file and returns its path.
func writeConfig(t testing.TB, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "consentgw.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// comparable drops what Load adds for its own bookkeeping.
func comparable(c *Config) Config {
	out := *c
	out.origins = nil
	out.Routes = append([]Route(nil), c.Routes...)
	for i := range out.Routes {
		out.Routes[i].re = nil
	}
	return out
}
