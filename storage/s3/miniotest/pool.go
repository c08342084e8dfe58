package miniotest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

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
	// Every process is launched before any is awaited: the erasure set forms once they
	// all answer each other.
	procs := make([]*proctest.Proc, len(p.Servers))
	for i, s := range p.Servers {
		procs[i] = s.launch(t)
	}
	for i, s := range p.Servers {
		s.awaitReady(t, procs[i])
	}
	return p
}
