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

	"golang.org/x/crypto/bcrypt"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/sip/testports"
)

func runCLI(args ...string) (int, string, string) { return runCLIWith("", args...) }

// runCLIWith runs the command with stdin as its standard input.
func runCLIWith(stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
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

// An operator with a Call-ID from a trunk's CDR gets the key the gateway logs and
// publishes for it, from the gateway's own key in data_dir; a data_dir without a key is
// an error, not a new key.
func TestPseudonymPrintsTheKeysTheGatewayUses(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "consentgw.yaml")
	if err := os.WriteFile(cfgFile, []byte("data_dir: "+dir+"\nsubjects:\n  default_region: DK\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI("pseudonym", "-c", cfgFile, "x@h")
	if code != exitFailed || !strings.Contains(stderr, "no subject key") {
		t.Fatalf("without a key: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, subject.KeyFileName)); err == nil {
		t.Fatal("pseudonym made a subject key")
	}
	key, err := subject.LoadOrCreateKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := subject.NewPseudonymizer(key)
	const callID = "+4512345678-1@trunk"
	code, out, stderr := runCLI("pseudonym", "-c", cfgFile, "--type", "call-id", callID)
	if code != exitOK || out != p.CallIDKey(callID)+"\n" {
		t.Fatalf("call-id: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	want, _ := p.NormalizedKey(subject.Subject{Type: subject.TypeTel, Value: "+4512345678"}, "DK")
	code, out, _ = runCLI("pseudonym", "-c", cfgFile, "--type", "tel", "12 34 56 78")
	if code != exitOK || out != want+"\n" {
		t.Fatalf("tel: exit %d, stdout %q, want the key of +4512345678", code, out)
	}
	code, _, stderr = runCLI("pseudonym", "-c", cfgFile, "--type", "email", "a@b")
	if code != exitUsage || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("unknown type: exit %d, stderr %q", code, stderr)
	}
}

// The embedded server of a gateway with nats.authorization: entries made by nats-user
// (a bcrypt hash for the CRM, an nkey for the DPO) log in with --user/--password and
// --nkey; the CRM's erase goes through, its export is refused by NATS at once, and a
// client without a login is turned away.
func TestCLILogsInToTheEmbeddedServer(t *testing.T) {
	dir := t.TempDir()
	code, crmEntry, stderr := runCLIWith("crm-password-for-tests\n", "nats-user", "crm")
	if code != exitOK || !strings.HasPrefix(crmEntry, "crm:$2a$11$") {
		t.Fatalf("nats-user crm: exit %d, stdout %q, stderr %q", code, crmEntry, stderr)
	}
	seed := filepath.Join(dir, "dpo.nk")
	code, dpoEntry, stderr := runCLI("nats-user", "--nkey", seed, "dpo")
	if code != exitOK || !strings.HasPrefix(dpoEntry, "dpo:U") {
		t.Fatalf("nats-user --nkey: exit %d, stdout %q, stderr %q", code, dpoEntry, stderr)
	}
	if fi, err := os.Stat(seed); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("seed file: %v %v", fi, err)
	}
	if code, _, _ := runCLI("nats-user", "--nkey", seed, "dpo"); code == exitOK {
		t.Fatal("nats-user overwrote a seed file")
	}
	// The gateway gets the same password at bcrypt's lowest cost: cost 11 takes seconds
	// under the race detector, and nats-server pings a client whose login takes that
	// long before it answers the login.
	if err := bcrypt.CompareHashAndPassword([]byte(strings.TrimSpace(strings.TrimPrefix(crmEntry, "crm:"))), []byte("crm-password-for-tests")); err != nil {
		t.Fatalf("nats-user's hash does not match the password: %v", err)
	}
	fast, _ := bcrypt.GenerateFromPassword([]byte("crm-password-for-tests"), bcrypt.MinCost)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		c.NATS.Authorization.CRM = []string{"crm:" + string(fast)}
		c.NATS.Authorization.DPO = []string{strings.TrimSpace(dpoEntry)}
	})
	url := gw.NATSURL()

	code, _, stderr = runCLI("erase", "--nats", url, "--subject", "tel:+4512345678")
	if code != exitFailed || !strings.Contains(stderr, "refused the login") {
		t.Fatalf("anonymous erase: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLIWith("wrong-password\n", "erase", "--nats", url, "--subject", "tel:+4512345678", "--user", "crm", "--password", "-")
	if code != exitFailed || !strings.Contains(stderr, "refused the login") {
		t.Fatalf("wrong password: exit %d, stderr %q", code, stderr)
	}
	code, out, stderr := runCLIWith("crm-password-for-tests\n", "erase", "--nats", url, "--subject", "tel:+4512345678", "--user", "crm", "--password", "-")
	if code != exitOK || !strings.Contains(out, "erased tel subject") {
		t.Fatalf("CRM erase: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	zipPath := filepath.Join(dir, "x.zip")
	code, _, stderr = runCLI("export", "--nats", url, "--subject", "tel:+4512345678", "-o", zipPath, "--user", "crm", "--password", "crm-password-for-tests")
	if code != exitFailed || !strings.Contains(stderr, "NATS refused the export request") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("CRM export: exit %d, stderr %q", code, stderr)
	}
	code, out, stderr = runCLI("export", "--nats", url, "--subject", "tel:+4512345678", "-o", zipPath, "--nkey", seed, "--inbox-prefix", "_INBOX_dpo")
	if code != exitOK || !strings.Contains(out, "exported 0 recordings") {
		t.Fatalf("DPO export: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, _, stderr = runCLI("erase", "--subject", "tel:+4512345678", "--password", "x")
	if code != exitUsage || !strings.Contains(stderr, "--password needs --user") {
		t.Fatalf("password without user: exit %d, stderr %q", code, stderr)
	}
}
