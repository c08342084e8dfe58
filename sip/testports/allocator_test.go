package testports

import (
	"errors"
	"net"
	"strconv"
	"testing"
)

// newTestAllocator is an allocator of its own over [first, end) with its own lock
// directory, as another process would have.
func newTestAllocator(t *testing.T, dir string, first, end int) *Allocator {
	t.Helper()
	a, err := New(dir, first, end)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, f := range a.locks {
			f.Close()
		}
	})
	return a
}

func TestReservationsNeverOverlapAndStartEven(t *testing.T) {
	a := newTestAllocator(t, t.TempDir(), rangeFirst, rangeEnd)
	taken := map[int]bool{}
	for i, n := range []int{4, 1, 1, 6, 2, 64, 3, 4, 100} {
		proto := []Proto{UDP, TCP, UDPAndTCP}[i%3]
		first, err := a.Reserve(proto, n)
		if err != nil {
			t.Fatalf("Reserve(%s, %d): %v", proto, n, err)
		}
		if first%2 != 0 {
			t.Errorf("Reserve(%s, %d) = %d, want an even port", proto, n, first)
		}
		for p := first; p < first+n; p++ {
			if taken[p] {
				t.Fatalf("port %d handed out twice", p)
			}
			if p < rangeFirst || p >= rangeEnd {
				t.Fatalf("port %d outside %d-%d", p, rangeFirst, rangeEnd)
			}
			taken[p] = true
		}
	}
}

func TestAnotherProcessGetsOtherBlocks(t *testing.T) {
	dir := t.TempDir()
	// Two allocators on one directory lock like two processes: flock(2) locks belong to
	// the open file, not to the process.
	first := newTestAllocator(t, dir, rangeFirst, rangeFirst+4*blockSize)
	second := newTestAllocator(t, dir, rangeFirst, rangeFirst+4*blockSize)
	a, err := first.Reserve(UDP, blockSize)
	if err != nil {
		t.Fatal(err)
	}
	b, err := second.Reserve(UDP, blockSize)
	if err != nil {
		t.Fatal(err)
	}
	if a/blockSize == b/blockSize {
		t.Fatalf("both processes got block %d-%d", a, a+blockSize-1)
	}
	if len(first.locks)+len(second.locks) != 2 {
		t.Fatalf("%d and %d blocks locked, want one each", len(first.locks), len(second.locks))
	}
}

func TestAPortBoundElsewhereIsSkipped(t *testing.T) {
	a := newTestAllocator(t, t.TempDir(), rangeFirst, rangeEnd)
	first, err := a.Reserve(UDP, 4)
	if err != nil {
		t.Fatal(err)
	}
	a.Release(first, 4)
	// Someone outside the scheme binds the third port, on another loopback address.
	c, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.2", strconv.Itoa(first+2)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a.next = first
	got, err := a.Reserve(UDP, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got <= first+2 && first+2 < got+4 {
		t.Fatalf("Reserve(udp, 4) = %d, holding port %d bound on 127.0.0.2", got, first+2)
	}
}

func TestReleasedPortsAreReusedWithoutNewBlocks(t *testing.T) {
	a := newTestAllocator(t, t.TempDir(), rangeFirst, rangeEnd)
	for range 1000 {
		p, err := a.Reserve(UDP, 6)
		if err != nil {
			t.Fatal(err)
		}
		a.Release(p, 6)
	}
	if len(a.locks) != 1 {
		t.Fatalf("%d blocks locked after reserving and releasing one run 1000 times, want 1", len(a.locks))
	}
}

func TestAFullRangeIsExhausted(t *testing.T) {
	a := newTestAllocator(t, t.TempDir(), rangeFirst, rangeFirst+4*blockSize)
	for range 4 {
		if _, err := a.Reserve(UDP, blockSize); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Reserve(UDP, 2); !errors.Is(err, ErrExhausted) {
		t.Fatalf("Reserve on a full range: %v, want ErrExhausted", err)
	}
	if _, err := a.Reserve(UDP, 0); !errors.Is(err, ErrSize) {
		t.Fatalf("Reserve of no ports: %v, want ErrSize", err)
	}
}

func TestBlockHoldsItsPortsUntilTheTestEnds(t *testing.T) {
	var first int
	t.Run("holder", func(t *testing.T) {
		first = Block(t, UDPAndTCP, 4)
		a, _ := shared()
		if a.free(first, 1) {
			t.Fatalf("port %d reserved but free", first)
		}
	})
	a, _ := shared()
	if !a.free(first, 4) {
		t.Fatalf("ports %d-%d still reserved after the test ended", first, first+3)
	}
}
