package layers

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/consentgw/consentgw/"

// rules are the layers, highest first: a package under the first prefix it matches may
// import only the packages under its allowed prefixes ("x/" is x and everything below
// it; "x" is x alone). Packages of the module only; tests may import more (a harness, a
// real codec), their own package's rules do not bind them.
var rules = []struct {
	pkg     string
	allowed []string
}{
	{"cmd/", []string{"cmd/", "ivr/", "recorder/", "sip/", "storage/", "consent/"}},
	// The call: every part of a call, nothing of the assembly.
	{"ivr/split", []string{"ivr/", "recorder/spool", "sip/", "consent/"}},
	// The IVR: prompts and digits over a call leg.
	{"ivr/", []string{"ivr/", "sip/b2bua", "sip/g711", "sip/media", "consent"}},
	// A call's handle on its recording: the recorder over the archive's spool.
	{"recorder/spool", []string{"recorder", "recorder/align", "recorder/wavfile", "recorder/sealed", "storage/archive", "consent", "consent/audit", "consent/sealing"}},
	// SIP and media; the relay taps audio into the recorder.
	{"sip/", []string{"sip/", "recorder"}},
	// The recorder: audio in, a WAV out (or the parties' encrypted streams, in the format
	// the consent layer reads); codecs behind an interface.
	{"recorder/sealed", []string{"consent/sealing"}},
	{"recorder", []string{"recorder/align", "recorder/wavfile"}},
	{"recorder/", []string{"recorder/align", "recorder/wavfile"}},
	// Services over the store: the rights requests, the retention sweeper.
	{"consent/rights", []string{"consent/", "storage/"}},
	{"storage/retention", []string{"storage/", "consent", "consent/hold", "consent/policy"}},
	// Legal holds, kept in the store.
	{"consent/hold", []string{"storage", "consent"}},
	// Storage: the store, the index, the spool of a call's objects (which holds signed
	// receipts).
	{"storage/", []string{"storage/", "consent", "consent/signing"}},
	// The parties' keys, kept apart from the store.
	{"consent/keystore", []string{"consent", "consent/sealing"}},
	// The consent vocabulary and what speaks only it.
	{"consent/signing", []string{"consent/keyfile"}},
	{"consent/sealing", []string{"consent", "consent/keyfile"}},
	{"consent/subject", []string{"consent/keyfile"}},
	{"consent/keyfile", nil},
	{"consent/", []string{"consent"}},
	{"consent", nil},
}

// testKit reports whether pkg is a test harness (miniotest, siptest, spooltest, the
// shared port allocator): it serves tests of any layer and may use any package but the
// assembly.
func testKit(pkg string) bool {
	name := pkg[strings.LastIndex(pkg, "/")+1:]
	return strings.HasSuffix(name, "test") || name == "testports"
}

func allows(allowed []string, imp string) bool {
	return slices.ContainsFunc(allowed, func(a string) bool {
		if base, ok := strings.CutSuffix(a, "/"); ok {
			return imp == base || strings.HasPrefix(imp, a)
		}
		return imp == a
	})
}

func ruleFor(pkg string) ([]string, bool) {
	if testKit(pkg) && !strings.HasPrefix(pkg, "cmd/") {
		return []string{"ivr/", "recorder/", "sip/", "storage/", "consent/"}, true
	}
	for _, r := range rules {
		if allows([]string{r.pkg}, pkg) {
			return r.allowed, true
		}
	}
	return nil, false
}

func TestImportsRunOneWay(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not at %s: %v", root, err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go package here (or tests only)
		}
		rel, _ := filepath.Rel(root, path)
		pkg := filepath.ToSlash(rel)
		allowed, ok := ruleFor(pkg)
		if !ok {
			t.Errorf("%s: no layer: add it to the rules and to the README's Architecture section", pkg)
			return nil
		}
		checked++
		for _, imp := range p.Imports {
			own, ok := strings.CutPrefix(imp, module)
			if ok && !allows(allowed, own) {
				t.Errorf("%s imports %s: a lower layer must not depend on a higher one (README, Architecture)", pkg, own)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 30 {
		t.Fatalf("checked %d packages: the walk missed the module", checked)
	}
}

// The rules themselves catch what issue 15 found: a lower package importing a higher one.
func TestRulesRefuseTheImportsThatRanTheWrongWay(t *testing.T) {
	for _, c := range []struct{ pkg, imp string }{
		{"consent/callctl", "ivr/split"},
		{"recorder", "sip/g711"},
		{"storage/archive", "recorder/wavfile"},
		{"sip/relay", "recorder/spool"},
		{"consent", "storage"},
		{"storage/archive", "consent/rights"},
		{"consent/signing", "storage"},
		{"recorder/sealed", "recorder/spool"},
		{"consent/sealing", "consent/keystore"},
		{"consent/keystore", "storage"},
	} {
		allowed, ok := ruleFor(c.pkg)
		if !ok || allows(allowed, c.imp) {
			t.Errorf("%s may import %s", c.pkg, c.imp)
		}
	}
}
