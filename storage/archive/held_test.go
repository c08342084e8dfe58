package archive

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/archive/spooltest"
)

// A receipt the full spool cannot take waits in memory and is stored once space returns;
// a later receipt of the same call replaces it, and an erase of its subject drops it.
func TestHeldJobsWaitForTheSpoolsDisk(t *testing.T) {
	dir := spooltest.Mount(t, 1<<20)
	st := localStore(t)
	a, attempts := newSpooledArchiver(t, dir, st)
	defer a.Close(context.Background())
	filler := spooltest.Fill(t, dir, 0)

	first, second, erased := receipt(), receipt(), receipt()
	second.RecordingStatus = consent.RecordingNone
	erased.ID = "01JTESTRECEIPT0000000000009"
	erased.Subjects = []consent.SubjectRef{{Type: "tel", Key: "cc33"}}
	for _, r := range []consent.Receipt{first, second, erased} {
		if err := a.Receipt(r); !errors.Is(err, ErrHeld) {
			t.Fatalf("receipt on a full spool: %v, want ErrHeld", err)
		}
	}
	if n := a.Held(); n != 2 {
		t.Fatalf("%d jobs held, want 2: the call's later receipt replaces its earlier one", n)
	}
	if n := a.DiscardSubject("cc33"); n != 1 {
		t.Fatalf("erase dropped %d jobs, want the held receipt", n)
	}
	filler.Release(t)
	if at := <-attempts; at.kind != kindReceipt || at.err != nil {
		t.Fatalf("after space returned: %+v", at)
	}
	var stored consent.Receipt
	readJSON(t, st, storage.ReceiptKey(second.StartedAt, second.ID), &stored)
	if stored.RecordingStatus != consent.RecordingNone {
		t.Fatalf("stored receipt says %q: the held receipt was not the call's latest", stored.RecordingStatus)
	}
	if _, err := st.Stat(context.Background(), storage.ReceiptKey(erased.StartedAt, erased.ID)); err == nil {
		t.Fatal("the erased subject's held receipt was stored")
	}
	if n := a.Held(); n != 0 {
		t.Fatalf("%d jobs still held", n)
	}
}

// The spool is full when its filesystem, or storage.spool_max_mb, leaves less than a
// call's worth of room, and has room again when space returns.
func TestSpoolIsFullBelowACallsWorthOfRoom(t *testing.T) {
	dir := spooltest.Mount(t, 2<<20)
	a, err := New(Options{Store: localStore(t), Dir: dir, ReserveBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	if a.Full() || a.Room() < 1<<20 {
		t.Fatalf("an empty 2 MiB spool: full %v, room %d", a.Full(), a.Room())
	}
	filler := spooltest.Fill(t, dir, 512<<10)
	a.measure()
	if !a.Full() {
		t.Fatalf("full = false with %d bytes of room and a 1 MiB reserve", a.Room())
	}
	filler.Release(t)
	a.measure()
	if a.Full() {
		t.Fatal("still full after space returned")
	}

	// Under spool_max_mb the spool's own files count: 4 KiB of them leave less than
	// a call's worth under a bound of one.
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "01JTESTRECEIPT0000000000000.receipt.json"), make([]byte, 4<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	bounded, err := New(Options{Store: localStore(t), Dir: dir, MaxSpoolBytes: 1 << 20, ReserveBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer bounded.Close(context.Background())
	if !bounded.Full() || bounded.Room() != 1<<20-4<<10 {
		t.Fatalf("spool_max_mb of one reserve, 4 KiB used: full %v, room %d", bounded.Full(), bounded.Room())
	}
}
