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
	"testing"
	"time"

	"github.com/consentgw/consentgw/sip/proctest"
	"github.com/consentgw/consentgw/sip/testports"
)

// InstallCommand builds the Vault server this harness expects (about 15 minutes of CPU).
const InstallCommand = "testdata/vault/build.sh   # builds ~/.cache/consentgw/bin/vault"

// EnvBinary names a vault binary to use instead of the default places.
const EnvBinary = "VAULT_BINARY"

// Mount is where Start enables the transit engine.
const Mount = "transit"

const (
	readyTimeout = 60 * time.Second
	pollInterval = 50 * time.Millisecond
)

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
	bin := proctest.FindBinary(t, "vault", EnvBinary, InstallCommand)
	token := make([]byte, 16)
	rand.Read(token)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(testports.Port(t, testports.TCP)))
	s := &Server{Address: "http://" + addr, Token: "test-" + hex.EncodeToString(token), log: filepath.Join(t.TempDir(), "vault.log")}
	logFile, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin, "server", "-dev", "-dev-root-token-id="+s.Token, "-dev-listen-address="+addr, "-dev-no-store-token")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "VAULT_DISABLE_MLOCK=true")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	proc, err := proctest.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proc.Kill)
	if err := proc.WaitReady(readyTimeout, pollInterval, s.healthy); err != nil {
		log, _ := os.ReadFile(s.log)
		t.Fatalf("vault on %s: %v\n%s", addr, err, proctest.Tail(string(log)))
	}
	if err := s.call(http.MethodPost, "/v1/sys/mounts/"+Mount, `{"type":"transit"}`); err != nil {
		t.Fatalf("enabling transit: %v", err)
	}
	return s
}

// healthy reports whether /v1/sys/health answers 200: initialized, unsealed, active.
func (s *Server) healthy() bool {
	resp, err := http.Get(s.Address + "/v1/sys/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
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
