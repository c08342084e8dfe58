package baresiptest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ModuleDir is where Debian's baresip 1.0 installs its modules.
const ModuleDir = "/usr/lib/baresip/modules"

// Require fails the test when baresip or the modules the harness loads are missing. It
// skips only under -short (the fast tier): the real-software tests must not pass
// silently on a machine without them.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test runs baresip (the fast tier runs no outside binary)")
	}
	if _, err := exec.LookPath("baresip"); err != nil {
		t.Fatalf("baresip is required (%v): install it with `apt-get install -y baresip` (baresip 1.0)", err)
	}
	for _, m := range modules {
		if _, err := os.Stat(filepath.Join(ModuleDir, m)); err != nil {
			t.Fatalf("baresip module %s is required: %v", m, err)
		}
	}
}
