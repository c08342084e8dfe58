package archive

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
)

// stuck is a store whose Puts for one call wait until released, as if its upload hung.
type stuck struct {
	storage.Store
	id      string
	release chan struct{}
}

func (s *stuck) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) error {
	if strings.Contains(key, s.id) {
		select {
		case <-s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.Store.Put(ctx, key, r, size, opts)
}

func TestAStuckUploadHoldsUpOnlyItsOwnUploader(t *testing.T) {
	r := receipt()
	st := &stuck{Store: localStore(t), id: r.ID, release: make(chan struct{})}
	a, attempts := newSpooledArchiver(t, t.TempDir(), st)
	defer a.Close(context.Background())

	if err := a.Receipt(r); err != nil {
		t.Fatal(err)
	}
	// Calls of the other uploaders are stored while the first one hangs.
	others := 0
	for i := 0; others < uploaders-1; i++ {
		other := receipt()
		other.ID = fmt.Sprintf("01JTESTRECEIPT%013d", i)
		if a.uploaderFor(other.ID) == a.uploaderFor(r.ID) {
			continue
		}
		if err := a.Receipt(other); err != nil {
			t.Fatal(err)
		}
		others++
	}
	for range others {
		if at := <-attempts; at.err != nil {
			t.Fatal(at.err)
		}
	}
	if _, err := st.Stat(context.Background(), storage.ReceiptKey(r.StartedAt, r.ID)); err == nil {
		t.Fatal("the stuck call's receipt was stored before its release")
	}
	close(st.release)
	if at := <-attempts; at.err != nil {
		t.Fatal(at.err)
	}
	if _, err := st.Stat(context.Background(), storage.ReceiptKey(r.StartedAt, r.ID)); err != nil {
		t.Fatalf("the stuck call's receipt after its release: %v", err)
	}
}

func TestAJobQueuedTwiceIsStoredOnce(t *testing.T) {
	a, st, done := newArchiver(t)
	r := receipt()
	if err := a.Receipt(r); err != nil {
		t.Fatal(err)
	}
	// The same job queued twice (a withdrawal replaces a receipt whose job is still
	// queued) is stored once; the second run finds its file gone and does nothing.
	a.enqueue(job{id: r.ID, kind: kindReceipt, path: a.jobPath(r.ID, kindReceipt)})
	waitFor(t, done, "receipt")
	waitFor(t, done, "receipt")
	if n := a.Pending(); n != 0 {
		t.Fatalf("%d jobs pending", n)
	}
	if _, err := st.Stat(context.Background(), storage.ReceiptKey(r.StartedAt, r.ID)); err != nil {
		t.Fatal(err)
	}
}

// entered is a store whose first Put of one call signals and then waits until released,
// as an upload in progress.
type entered struct {
	storage.Store
	id      string
	in      chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *entered) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) error {
	if strings.Contains(key, s.id) {
		s.once.Do(func() {
			close(s.in)
			<-s.release
		})
	}
	return s.Store.Put(ctx, key, r, size, opts)
}

// A receipt rewritten while its first version is being stored (the agent never answered:
// pending becomes none) is stored after it: the first job's clean-up does not take the
// newer file with it.
func TestAReceiptRewrittenDuringItsUploadIsStoredLast(t *testing.T) {
	first := receipt()
	first.RecordingStatus = consent.RecordingPending
	st := &entered{Store: localStore(t), id: first.ID, in: make(chan struct{}), release: make(chan struct{})}
	a, attempts := newSpooledArchiver(t, t.TempDir(), st)
	defer a.Close(context.Background())

	if err := a.Receipt(first); err != nil {
		t.Fatal(err)
	}
	<-st.in // the first version is being stored
	second := first
	second.RecordingStatus, second.RecordingReason = consent.RecordingNone, consent.ReasonNotConnected
	if err := a.Receipt(second); err != nil {
		t.Fatal(err)
	}
	close(st.release)
	for range 2 {
		if at := <-attempts; at.err != nil {
			t.Fatal(at.err)
		}
	}
	var stored consent.Receipt
	readJSON(t, st, storage.ReceiptKey(first.StartedAt, first.ID), &stored)
	if stored.RecordingStatus != consent.RecordingNone {
		t.Fatalf("stored receipt says %q, want the rewritten one (none)", stored.RecordingStatus)
	}
	if n := a.Pending(); n != 0 {
		t.Fatalf("%d jobs pending", n)
	}
}
