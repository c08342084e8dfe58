package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
)

// The DPO's commands against a running gateway: each prints one clear result, never the
// number it was given.
func TestTheDPOsCommandsAgainstARunningGateway(t *testing.T) {
	gw := gatewaytest.Start(t, func(c *config.Config) { c.Rights.EraseMaxRecordings = 5 })
	url := gw.NATSURL()
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.json")
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"lookup", "--subject", "tel:+4512345678", "--request-id", "cli-look-1"}, "0 calls, 0 receipts, 0 recordings"},
		{[]string{"hold", "--subject", "tel:+4512345678", "--reason", "case 12", "--request-id", "cli-hold-1"}, "legal hold cli-hold-1 placed on tel subject"},
		{[]string{"holds"}, "cli-hold-1"},
		{[]string{"erase", "--subject", "tel:+4512345678", "--dry-run"}, "kept by legal hold cli-hold-1 (case 12): everything of the subject"},
		{[]string{"release", "--hold", "cli-hold-1", "--reason", "closed"}, "legal hold cli-hold-1 on tel subject"},
		{[]string{"erase", "--subject", "tel:+4512345678", "--scope", "recordings", "--certificate", cert, "--request-id", "cli-erase-1"}, "certificate written to " + cert},
		{[]string{"erase", "--call", "01JN0Z3Q8M5T7V9X1B3D5F7H9K"}, "erased call 01JN0Z3Q8M5T7V9X1B3D5F7H9K: 0 keys destroyed; 0 recordings"},
		{[]string{"stats", "--from", "2026-01-01", "--to", "2026-01-02"}, "2026-01-01 to 2026-01-02: 0 receipts"},
		{[]string{"requests", "--state", "completed"}, "cli-erase-1"},
	}
	for _, s := range steps {
		code, out, stderr := runCLI(append(s.args, "--nats", url)...)
		if code != exitOK || !strings.Contains(out, s.want) {
			t.Fatalf("%v: exit %d\nstdout %s\nstderr %s\nwant %q", s.args, code, out, stderr, s.want)
		}
		if strings.Contains(out+stderr, "12345678") {
			t.Errorf("%v shows the number: %s", s.args, out)
		}
	}

	keys := "http://" + gw.HTTPAddr() + "/.well-known/consentgw-keys"
	code, out, stderr := runCLI("verify", "--keys", keys, cert)
	if code != exitOK || !strings.Contains(out, "valid: erasure certificate of request cli-erase-1 (scope recordings") {
		t.Fatalf("verify: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	doc, _ := os.ReadFile(cert)
	tampered := filepath.Join(dir, "tampered.json")
	os.WriteFile(tampered, []byte(strings.Replace(string(doc), `"versions_removed": 0`, `"versions_removed": 1`, 1)), 0o600)
	if code, _, stderr := runCLI("verify", "--keys", keys, tampered); code != exitFailed || !strings.Contains(stderr, "NOT a valid certificate") {
		t.Fatalf("tampered certificate: exit %d, stderr %q", code, stderr)
	}

	cfgFile := filepath.Join(dir, "gw.yaml")
	os.WriteFile(cfgFile, []byte("data_dir: "+gw.Config.DataDir+"\nstorage:\n  retention: 720h\nretention:\n  - region: US\n    keep: 2160h\n"), 0o600)
	if code, out, stderr := runCLI("retention", "--dry-run", "-c", cfgFile); code != exitOK || !strings.Contains(out, "would expire 0 calls") {
		t.Fatalf("retention dry run: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	if code, out, stderr := runCLI("verify", "-c", cfgFile, cert); code != exitOK || !strings.Contains(out, "valid") {
		t.Fatalf("verify with the gateway's own key: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	code, out, stderr = runCLI("inventory", "-c", cfgFile)
	for _, want := range []string{"consent receipts", "recordings", "CONSENTGW_REQUESTS", "phone numbers and customer ids in clear", "all calls: 720h0m0s; route * region US: 2160h0m0s", filepath.Join(gw.Config.DataDir, "spool")} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("inventory lacks %q: exit %d\nstdout %s\nstderr %s", want, code, out, stderr)
		}
	}
}
