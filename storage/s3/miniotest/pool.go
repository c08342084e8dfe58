package miniotest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgw/consentgw/sip/proctest"
)

// Pool is MinIO in distributed mode: several server processes on loopback ports, each
// with its own drives, forming one erasure set. With two processes of two drives each
// (four drives, parity 2), one process down leaves reads working and writes refused for
// want of a quorum (three drives): what a gateway's spool has to ride out.
type Pool struct {
	Servers   []*Server
	AccessKey string
	SecretKey string
}

// StartPool runs processes MinIO processes of drives drives each until the test ends, and
// returns once every one serves S3 (the erasure set has formed).
//
// MinIO refuses distributed endpoints on one host in two cases that a test machine hits:
// in a container (/.dockerenv) it waits for "127.0.0.1" to resolve to a non-loopback
// address, and it will not use drives on the root filesystem. _MINIO_SERVER_LOCAL names a
// process's own endpoint (so the others are taken as remote without resolving them) and
// MINIO_CI_CD lifts the root-drive check; outside a container the first is not read.
func StartPool(t testing.TB, processes, drives int) *Pool {
	t.Helper()
	p := newPool(t, processes, drives)
	// Every process is launched before any is awaited: the erasure set forms once they
	// all answer each other.
	p.awaitFormed(t, p.launch(t))
	return p
}

// newPool prepares the servers of a pool, each with its ports, drives and log, stopped
// when the test ends. The test is skipped under -short only (the fast tier runs no
// outside binary); without a MinIO binary it fails.
func newPool(t testing.TB, processes, drives int) *Pool {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test runs MinIO (the fast tier runs no outside binary)")
	}
	dir := t.TempDir()
	p := &Pool{AccessKey: "user-" + randomHex(t, 6), SecretKey: randomHex(t, 20)}
	bin := findBinary(t)
	var pool []string
	for i := range processes {
		s := &Server{
			Endpoint:  freeAddr(t),
			AccessKey: p.AccessKey,
			SecretKey: p.SecretKey,
			bin:       bin,
			console:   freeAddr(t),
			dataDir:   filepath.Join(dir, fmt.Sprintf("p%d", i+1)),
			certsDir:  filepath.Join(dir, fmt.Sprintf("p%d", i+1), "certs"),
			logPath:   filepath.Join(dir, fmt.Sprintf("minio-%d.log", i+1)),
		}
		if err := os.MkdirAll(s.certsDir, 0o700); err != nil {
			t.Fatal(err)
		}
		// MinIO's ellipsis: d{1...2} is the drives d1 and d2 of this process.
		ds := "d1"
		if drives > 1 {
			ds = fmt.Sprintf("d{1...%d}", drives)
		}
		pool = append(pool, fmt.Sprintf("http://%s%s/%s", s.Endpoint, s.dataDir, ds))
		s.env = append(minioEnv(p.AccessKey, p.SecretKey), "_MINIO_SERVER_LOCAL="+s.Endpoint, "MINIO_CI_CD=on")
		p.Servers = append(p.Servers, s)
		t.Cleanup(s.Stop)
	}
	for _, s := range p.Servers {
		s.drives = pool
	}
	return p
}

// launch starts every process of the pool.
func (p *Pool) launch(t testing.TB) []*proctest.Proc {
	t.Helper()
	procs := make([]*proctest.Proc, len(p.Servers))
	for i, s := range p.Servers {
		procs[i] = s.launch(t)
	}
	return procs
}

// poolRestarts bounds how often awaitFormed starts a process again.
const poolRestarts = 3

// awaitFormed waits until every process serves S3 and reports the erasure set healthy.
// Processes forming a pool can fail its first formation and exit (seen once in the
// whole suite: "saving pool.bin ... has incomplete body" while a peer wrote it, then
// FATAL); a supervisor starts such a process again, and so does this, up to
// poolRestarts times.
func (p *Pool) awaitFormed(t testing.TB, procs []*proctest.Proc) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	restarts := 0
	for {
		formed := true
		for i, s := range p.Servers {
			switch {
			case procs[i].Exited() && restarts < poolRestarts:
				restarts++
				log, _ := os.ReadFile(s.logPath)
				t.Logf("MinIO on %s exited while the pool formed; starting it again:\n%s", s.Endpoint, proctest.Tail(string(log)))
				procs[i] = s.launch(t)
				formed = false
			case procs[i].Exited():
				s.failStart(t, proctest.ErrExited)
			case !s.healthy():
				formed = false
			}
		}
		if formed {
			return
		}
		if time.Now().After(deadline) {
			p.Servers[0].failStart(t, fmt.Errorf("pool not formed within %v", readyTimeout))
		}
		time.Sleep(pollInterval)
	}
}
