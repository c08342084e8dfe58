// Package vaulttest runs a real Vault server for tests: `vault server -dev` (in memory,
// unsealed, a root token of the test's choosing) on a free loopback port, with the
// transit secrets engine enabled, killed with its process group when the test ends.
package vaulttest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/consentgw/consentgw/sip/testports"
)

// InstallCommand builds the Vault server this harness expects (about 15 minutes of CPU).
const InstallCommand = "testdata/vault/build.sh   # builds ~/.cache/consentgw/bin/vault"

// EnvBinary names a vault binary to use instead of the default places.
const EnvBinary = "VAULT_BINARY"

// Mount is where Start enables the transit engine.
const Mount = "transit"

const readyTimeout = 60 * time.Second

// Server is a running dev-mode Vault: Address and its root Token.
type Server struct {
	Address string
	Token   string
	log     string
}

// Start runs `vault server -dev` until the test ends and enables transit at Mount. Under
// -short the test is skipped; without a binary it fails with the command that builds one.
func Start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test runs a Vault server (the fast tier runs no outside binary)")
	}
	bin := findBinary(t)
	token := make([]byte, 16)
	rand.Read(token)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(testports.Port(t, testports.TCP)))
	s := &Server{Address: "http://" + addr, Token: "test-" + hex.EncodeToString(token), log: filepath.Join(t.TempDir(), "vault.log")}
	logFile, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "server", "-dev", "-dev-root-token-id="+s.Token, "-dev-listen-address="+addr, "-dev-no-store-token")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "VAULT_DISABLE_MLOCK=true")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		logFile.Close()
		close(done)
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})
	if err := s.waitReady(done); err != nil {
		log, _ := os.ReadFile(s.log)
		t.Fatalf("vault on %s: %v\n%s", addr, err, tail(string(log)))
	}
	if err := s.call(http.MethodPost, "/v1/sys/mounts/"+Mount, `{"type":"transit"}`); err != nil {
		t.Fatalf("enabling transit: %v", err)
	}
	return s
}

// waitReady polls /v1/sys/health until Vault answers 200: initialized, unsealed, active.
func (s *Server) waitReady(done <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.Address + "/v1/sys/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-done:
			return errors.New("exited before it was ready")
		case <-time.After(50 * time.Millisecond): // polling interval, not a synchronisation
		}
	}
	return errors.New("not ready within " + readyTimeout.String())
}

// call sends one request with the root token; any status but 2xx is an error.
func (s *Server) call(method, path, body string) error {
	req, err := http.NewRequest(method, s.Address+path, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("X-Vault-Token", s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return errors.New(resp.Status)
	}
	return nil
}

func findBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvBinary); p != "" {
		return p
	}
	var candidates []string
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "consentgw", "bin", "vault"))
	}
	for _, p := range candidates {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath("vault"); err == nil {
		return p
	}
	t.Fatalf("no vault binary (looked at $%s, %s and PATH); build it with:\n  %s", EnvBinary, strings.Join(candidates, ", "), InstallCommand)
	return ""
}

func tail(s string) string {
	if len(s) > 4000 {
		s = s[len(s)-4000:]
	}
	return strings.TrimSpace(s)
}
