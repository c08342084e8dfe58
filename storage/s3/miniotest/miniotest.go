// Package miniotest runs a real MinIO server for tests: one process per
// Start, on free loopback ports, with its data in the test's temp dir,
// killed with its whole process group when the test ends.
package miniotest

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgw/consentgw/sip/proctest"
	"github.com/consentgw/consentgw/sip/testports"
)

// InstallCommand builds the MinIO server this harness expects.
const InstallCommand = "GOBIN=$HOME/.cache/consentgw/bin go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"

// EnvBinary names a MinIO binary to use instead of the default places.
const EnvBinary = "MINIO_BINARY"

const (
	// readyTimeout bounds the wait for readiness (awaitReady); MinIO usually
	// answers within a couple of seconds, more on a loaded CI machine.
	readyTimeout = 60 * time.Second
	pollInterval = 50 * time.Millisecond
	// kmsKeyName names the static key of MinIO's built-in KMS.
	kmsKeyName = "consentgw-test"
)

// Server is a running MinIO. Endpoint is host:port for s3.Options.
type Server struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	Secure    bool // TLS with a self-signed certificate; see Transport

	bin, console, dataDir, certsDir, logPath string
	env                                      []string
	// drives are what `minio server` serves when set: every drive of a distributed
	// pool (StartPool); else dataDir alone.
	drives    []string
	tlsConfig *tls.Config

	mu   sync.Mutex
	proc *proctest.Proc // nil while stopped
}

type config struct {
	tls   bool
	noKMS bool
}

// Option changes how Start runs MinIO.
type Option func(*config)

// WithTLS serves HTTPS with a fresh self-signed certificate; SSE-C needs
// it, since MinIO refuses customer keys over plain HTTP.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// WithoutKMS leaves MinIO without a KMS, so SSE-S3 is refused. By default
// MINIO_KMS_SECRET_KEY sets up MinIO's built-in single-key KMS.
func WithoutKMS() Option { return func(c *config) { c.noKMS = true } }

// Start runs a MinIO server until the test ends. Without a MinIO binary the
// test fails, naming the command that installs one: these tests must not
// pass by being skipped, except under -short (the fast tier runs no outside binary).
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test runs MinIO (the fast tier runs no outside binary)")
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	dir := t.TempDir()
	s := &Server{
		Endpoint:  freeAddr(t),
		AccessKey: "user-" + randomHex(t, 6),
		SecretKey: randomHex(t, 20),
		Secure:    cfg.tls,
		bin:       findBinary(t),
		console:   freeAddr(t),
		dataDir:   filepath.Join(dir, "data"),
		certsDir:  filepath.Join(dir, "certs"),
		logPath:   filepath.Join(dir, "minio.log"),
	}
	if err := os.MkdirAll(s.certsDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if cfg.tls {
		s.tlsConfig = writeCertificate(t, s.certsDir)
	}
	s.env = minioEnv(s.AccessKey, s.SecretKey)
	if !cfg.noKMS {
		s.env = append(s.env, "MINIO_KMS_SECRET_KEY="+kmsKeyName+":"+base64.StdEncoding.EncodeToString(randomBytes(t, 32)))
	}
	t.Cleanup(s.Stop)
	s.start(t)
	return s
}

// Stop kills the server and waits until it is gone; its data stays for
// Restart. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.Kill()
	}
}

// Restart stops the server if it runs and starts it again on the same
// address with the same data, credentials and KMS key.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.start(t)
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	s.awaitReady(t, s.launch(t))
}

// launch starts the process.
func (s *Server) launch(t testing.TB) *proctest.Proc {
	t.Helper()
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() // the child keeps its own descriptor
	drives := s.drives
	if len(drives) == 0 {
		drives = []string{s.dataDir}
	}
	cmd := exec.Command(s.bin, append([]string{"server", "--quiet",
		"--address", s.Endpoint, "--console-address", s.console,
		"--certs-dir", s.certsDir}, drives...)...)
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = logf, logf
	p, err := proctest.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return p
}

// awaitReady fails the test unless the launched process gets ready.
//
// It is ready once it serves S3. /minio/health/live answers 200 as soon as the HTTP
// server runs, before the object layer, IAM and bucket metadata are up (S3 calls then
// fail with "Server not initialized yet"), so /minio/health/cluster must answer 200 as
// well.
func (s *Server) awaitReady(t testing.TB, p *proctest.Proc) {
	t.Helper()
	if err := p.WaitReady(readyTimeout, pollInterval, s.healthy); err != nil {
		s.failStart(t, err)
	}
}

// healthy reports whether the server is live and its erasure set can serve.
func (s *Server) healthy() bool {
	client := &http.Client{Timeout: 2 * time.Second, Transport: s.Transport()}
	defer client.CloseIdleConnections()
	base := s.scheme() + "://" + s.Endpoint + "/minio/health/"
	return isOK(client, base+"live") && isOK(client, base+"cluster")
}

// failStart stops the server and fails the test with err and the tail of its log.
func (s *Server) failStart(t testing.TB, err error) {
	t.Helper()
	s.Stop()
	log, _ := os.ReadFile(s.logPath)
	t.Fatalf("MinIO on %s: %v\n%s", s.Endpoint, err, proctest.Tail(string(log)))
}

func isOK(client *http.Client, url string) bool {
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Transport trusts the server's certificate; nil for plain HTTP, which
// lets minio-go use its default.
func (s *Server) Transport() http.RoundTripper {
	if s.tlsConfig == nil {
		return nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = s.tlsConfig.Clone()
	return tr
}

func (s *Server) scheme() string {
	if s.Secure {
		return "https"
	}
	return "http"
}

// findBinary looks where the project's setup installs MinIO, then PATH.
func findBinary(t testing.TB) string {
	t.Helper()
	return proctest.FindBinary(t, "minio", EnvBinary, InstallCommand)
}

// minioEnv is the test's environment without any MINIO_* settings of the
// developer's, plus the credentials.
func minioEnv(user, password string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"MINIO_ROOT_USER="+user,
		"MINIO_ROOT_PASSWORD="+password,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
}

// freeAddr reserves a loopback port for MinIO until the test ends (sip/testports).
func freeAddr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(testports.Port(t, testports.TCP)))
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func randomHex(t testing.TB, n int) string { return hex.EncodeToString(randomBytes(t, n)) }
