package consent

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestIDsAreUniqueAndSortedAcrossGoroutines(t *testing.T) {
	src := NewIDSource()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	const workers, perWorker = 8, 500
	got := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWorker {
				// Every ID in the same millisecond: order must come from
				// the monotonic entropy alone.
				got[w] = append(got[w], src.New(now))
			}
		}()
	}
	wg.Wait()

	seen := make(map[string]bool, workers*perWorker)
	for w, ids := range got {
		if !slices.IsSorted(ids) {
			t.Errorf("worker %d: ids not in issue order", w)
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("duplicate id %s", id)
			}
			seen[id] = true
		}
	}
}

func TestIDsSortByTime(t *testing.T) {
	src := NewIDSource()
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 50 {
		ids = append(ids, src.New(base.Add(time.Duration(i)*time.Millisecond)))
	}
	if !slices.IsSorted(ids) {
		t.Fatalf("ids of increasing times do not sort: %v", ids)
	}
}

func TestIDsStayOrderedWhenClockStepsBack(t *testing.T) {
	src := NewIDSource()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	first := src.New(now)
	second := src.New(now.Add(-time.Hour))
	if second <= first {
		t.Fatalf("id after a clock step back sorts first: %s <= %s", second, first)
	}
}

func TestIDTimeRoundTripsTheMillisecond(t *testing.T) {
	now := time.Date(2025, 12, 31, 23, 59, 59, 987654321, time.FixedZone("CET", 3600))
	id := NewIDSource().New(now)
	if len(id) != 26 {
		t.Fatalf("id %q: want 26 characters", id)
	}
	got, err := IDTime(id)
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Truncate(time.Millisecond).UTC(); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("IDTime = %v, want %v", got, want)
	}
}

func TestIDTimeRejectsNonIDs(t *testing.T) {
	for _, s := range []string{"", "not-an-id", "../../etc/passwd", "01ARZ3NDEKTSV4RRFFQ69G5FA"} {
		if _, err := IDTime(s); !errors.Is(err, ErrInvalidID) {
			t.Errorf("IDTime(%q) error = %v, want ErrInvalidID", s, err)
		}
	}
}
