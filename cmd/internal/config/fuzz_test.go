package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadYAML checks that no file content panics Load. Run bounded:
// go test -run=^$ -fuzz=FuzzLoadYAML -fuzztime=30s ./cmd/internal/config
func FuzzLoadYAML(f *testing.F) {
	full, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(full),
		"",
		"~",
		"sip:\n  listen: [a, b]\n",
		"routes:\n  - &r {name: a, record_target: 'sip:a@h'}\n  - <<: *r\n    name: b\n",
		"a: &x {<<: *x}\n",
		"sip: &x {<<: *x}\n",
		"storage: &x {s3: *x}\n",
		"routes: &x [*x]\n",
		"consent: {timeout: -5s, repeats: x}\n",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return // configuration files are small; keep each run fast
		}
		path := filepath.Join(dir, "fuzz.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path, nil)
		if err == nil {
			_ = c.Redacted()
			if _, err := c.Listeners(); err != nil {
				t.Fatalf("validated config has bad listeners: %v", err)
			}
		}
	})
}
