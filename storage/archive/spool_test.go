package archive

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/local"
)

// outage is a store that refuses writes while down: the archive's own behaviour under a
// store outage is the subject here (the real MinIO outage is tested end to end).
type outage struct {
	storage.Store
	down atomic.Bool
}

var errDown = errors.New("store down")

func (o *outage) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) error {
	if o.down.Load() {
		return errDown
	}
	return o.Store.Put(ctx, key, r, size, opts)
}

type attempt struct {
	kind string
	err  error
}

func newSpooledArchiver(t *testing.T, dir string, st storage.Store) (*Archiver, chan attempt) {
	t.Helper()
	attempts := make(chan attempt, 64)
	a, err := New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), Dir: dir, Observe: func(kind string, err error) {
		attempts <- attempt{kind, err}
	}})
	if err != nil {
		t.Fatal(err)
	}
	return a, attempts
}

func localStore(t *testing.T) *local.Store {
	t.Helper()
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func spoolJobs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestJobsWaitInTheSpoolWhileTheStoreIsDown(t *testing.T) {
	st := &outage{Store: localStore(t)}
	st.down.Store(true)
	dir := t.TempDir()
	a, attempts := newSpooledArchiver(t, dir, st)
	defer a.Close(context.Background())

	r := receipt()
	if err := a.Receipt(r); err != nil {
		t.Fatal(err)
	}
	if at := <-attempts; at.err == nil {
		t.Fatal("stored while the store was down")
	}
	if jobs := spoolJobs(t, dir); len(jobs) != 1 {
		t.Fatalf("spool %v, want the receipt job", jobs)
	}
	st.down.Store(false)
	for at := range attempts {
		if at.err == nil {
			break
		}
	}
	if _, err := st.Stat(context.Background(), storage.ReceiptKey(r.StartedAt, r.ID)); err != nil {
		t.Fatalf("receipt not stored after the store came back: %v", err)
	}
	if jobs := spoolJobs(t, dir); len(jobs) != 0 {
		t.Fatalf("spool still holds %v", jobs)
	}
}

func TestDiscardSubjectDropsItsSpooledJobs(t *testing.T) {
	st := &outage{Store: localStore(t)}
	st.down.Store(true)
	dir := t.TempDir()
	a, _ := newSpooledArchiver(t, dir, st)
	defer a.Close(context.Background())

	r := receipt()
	a.Receipt(r)
	os.WriteFile(a.WAVPath(r.ID), []byte("RIFF"), 0o600)
	a.Recording(Recording{Receipt: r, StartedAt: r.DecidedAt, Codec: "PCMU"})
	other := receipt()
	other.ID = "01JTESTRECEIPT0000000000001"
	other.Subjects = other.Subjects[1:] // the agent only
	a.Receipt(other)

	if n := a.DiscardSubject("aa11"); n != 2 {
		t.Fatalf("discarded %d jobs, want the receipt and the recording", n)
	}
	if jobs := spoolJobs(t, dir); len(jobs) != 1 || jobs[0] != other.ID+".receipt.json" {
		t.Fatalf("spool %v, want only the other call's receipt", jobs)
	}
}
