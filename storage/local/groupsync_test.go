package local

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/consentgw/consentgw/storage"
)

func TestConcurrentPutsAllLandWithTheirMetadata(t *testing.T) {
	st := newStore(t)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			key := fmt.Sprintf("subjects/%02d/%d.json", i%4, i)
			body := fmt.Sprintf(`{"n":%d}`, i)
			if err := st.Put(t.Context(), key, strings.NewReader(body), int64(len(body)), storage.PutOptions{ContentType: "application/json", Metadata: map[string]string{"n": fmt.Sprint(i)}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range 64 {
		info, err := st.Stat(t.Context(), fmt.Sprintf("subjects/%02d/%d.json", i%4, i))
		if err != nil || info.Metadata["n"] != fmt.Sprint(i) || info.ContentType != "application/json" {
			t.Fatalf("object %d: %+v, %v", i, info, err)
		}
	}
}

func TestPutFailsWhenTheDiskCannotCommit(t *testing.T) {
	st := newStore(t)
	broken := errors.New("EIO")
	st.synced = newGroupSyncFunc(func() error { return broken })
	err := st.Put(t.Context(), "consent/2026/11/24/x.json", strings.NewReader("{}"), 2, storage.PutOptions{})
	if !errors.Is(err, broken) {
		t.Fatalf("Put = %v, want the sync's error", err)
	}
	// The first commit failed before the renames: nothing is visible, no file is left.
	if _, err := st.Stat(t.Context(), "consent/2026/11/24/x.json"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat after a failed Put = %v", err)
	}
	for _, f := range files(t, st) {
		if strings.Contains(f, ".tmp-") {
			t.Fatalf("temporary file %s left behind", f)
		}
	}
}

func TestEveryWaiterGetsASyncThatBeganAfterIt(t *testing.T) {
	var mu sync.Mutex
	syncs := 0
	g := newGroupSyncFunc(func() error {
		mu.Lock()
		syncs++
		mu.Unlock()
		return nil
	})
	for range 3 {
		if err := g.wait(); err != nil {
			t.Fatal(err)
		}
	}
	if syncs != 3 {
		t.Fatalf("%d syncs for 3 waits one after another, want 3", syncs)
	}
	// Concurrent waiters share syncs; how many depends on timing, so this part checks
	// only that every waiter returns (and, under -race, the locking).
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if err := g.wait(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if syncs < 4 {
		t.Fatalf("%d syncs in all, want at least one for the concurrent waiters", syncs)
	}
}
