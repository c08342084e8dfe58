package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/sip/testports"
)

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestEraseAndExportAgainstARunningGateway(t *testing.T) {
	gw := gatewaytest.Start(t, nil)
	url := gw.NATSURL()

	code, out, stderr := runCLI("erase", "--nats", url, "--subject", "tel:+4512345678", "--requested-by", "dpo", "--request-id", "cli-erase-1")
	if code != exitOK || !strings.Contains(out, "erased tel subject") || !strings.Contains(out, "0 recordings") {
		t.Fatalf("erase: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	if strings.Contains(out, "4512345678") {
		t.Errorf("erase output shows the number: %s", out)
	}

	zipPath := filepath.Join(t.TempDir(), "alice.zip")
	code, out, stderr = runCLI("export", "--nats", url, "--subject", "tel:+4512345678", "-o", zipPath, "--expires", "1h")
	if code != exitOK || !strings.Contains(out, "exported 0 recordings") || !strings.Contains(stderr, "100%") {
		t.Fatalf("export: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if _, err := zr.Open("manifest.json"); err != nil {
		t.Fatalf("bundle lacks manifest.json: %v", err)
	}

	code, _, stderr = runCLI("erase", "--nats", url, "--subject", "tel:hello")
	if code != exitFailed || !strings.Contains(stderr, "erase rejected: subject.value is not a phone number") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("invalid number: exit %d, stderr %q", code, stderr)
	}
}

func TestBadUsageExitsTwoWithOneLine(t *testing.T) {
	cases := map[string][]string{
		"no subject":           {"erase"},
		"subject without type": {"erase", "--subject", "+4512345678"},
		"unknown type":         {"export", "--subject", "email:a@b", "-o", "x.zip"},
		"export without -o":    {"export", "--subject", "tel:+4512345678"},
		"stray argument":       {"erase", "--subject", "tel:+4512345678", "now"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runCLI(args...)
			if code != exitUsage || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "consentgw ") {
				t.Fatalf("exit %d, stderr %q; want 2 and one line", code, stderr)
			}
		})
	}
}

func TestNoGatewayIsAFailedRequest(t *testing.T) {
	port := testports.Port(t, testports.TCP)
	code, _, stderr := runCLI("erase", "--nats", "nats://127.0.0.1:"+strconv.Itoa(port), "--subject", "tel:+4512345678")
	if code != exitFailed || !strings.Contains(stderr, "is 'consentgw serve' running") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestDownloadChecksTheBundlesChecksum(t *testing.T) {
	body := bytes.Repeat([]byte("zip"), 100000)
	sum := sha256.Sum256(body)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	dir := t.TempDir()

	var progress bytes.Buffer
	out := filepath.Join(dir, "ok.zip")
	if err := download(t.Context(), srv.URL+"/exports/x.zip?X-Amz-Signature=abc", out, hex.EncodeToString(sum[:]), int64(len(body)), &progress); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, body) {
		t.Fatal("downloaded bundle differs")
	}
	if !strings.Contains(progress.String(), "100%") {
		t.Errorf("progress %q", progress.String())
	}

	bad := filepath.Join(dir, "bad.zip")
	err := download(t.Context(), srv.URL+"/x.zip", bad, strings.Repeat("0", 64), int64(len(body)), &progress)
	if err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("checksum mismatch: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("a bad download left files: %v", entries)
	}
}

func TestSignedEraseNamesTheSigner(t *testing.T) {
	const key = "crm:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	gw := gatewaytest.Start(t, func(c *config.Config) { c.NATS.RequestKeys = []string{key} })
	keyFile := filepath.Join(t.TempDir(), "crm.key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	code, _, stderr := runCLI("erase", "--nats", gw.NATSURL(), "--subject", "tel:+4512345678")
	if code != exitFailed || !strings.Contains(stderr, "erase rejected: request is not signed") {
		t.Fatalf("unsigned erase: exit %d, stderr %q", code, stderr)
	}
	code, out, stderr := runCLI("erase", "--nats", gw.NATSURL(), "--subject", "tel:+4512345678", "--sign-key", keyFile, "--inbox-prefix", "_INBOX_crm", "--json")
	if code != exitOK || !strings.Contains(out, `"requested_by":"crm"`) {
		t.Fatalf("signed erase: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}
	code, _, stderr = runCLI("erase", "--subject", "tel:+4512345678", "--sign-key", filepath.Join(t.TempDir(), "missing"))
	if code != exitUsage || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("missing key file: exit %d, stderr %q", code, stderr)
	}
}
