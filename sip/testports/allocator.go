package testports

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
)

const (
	// rangeFirst and rangeEnd bound the ports handed out: [10000, 20000), below the
	// gateway's default media range (config.Default: 20000-40000) and the kernel's
	// ephemeral range (32768-60999 on Linux).
	rangeFirst = 10000
	rangeEnd   = 20000
	// blockSize is how many ports one lock file covers: a few processes' worth of SIPp
	// (six ports each) or one test gateway's media range.
	blockSize = 64
)

// Allocator hands out runs of consecutive ports from [first, end) in blocks it locks
// against other processes. Its zero value is not usable; see New.
type Allocator struct {
	first, end int    // the range, first a multiple of blockSize apart from end
	dir        string // where the block lock files are
	bindable   func(proto Proto, first, n int) bool

	mu       sync.Mutex
	rng      *rand.Rand
	locks    map[int]*os.File // by block index: the lock this process holds
	reserved []bool           // by port - first: handed out and not yet released
	next     int              // port where the next search in held blocks starts
}

// New returns an allocator over [first, end), locking its blocks with files in dir.
func New(dir string, first, end int) (*Allocator, error) {
	first += first % 2
	end -= (end - first) % blockSize
	if first < 1 || end > 65536 || end-first < blockSize {
		return nil, fmt.Errorf("testports: range %d-%d holds no block of %d ports: %w", first, end, blockSize, ErrSize)
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("testports: making the lock directory: %w", err)
	}
	return &Allocator{
		first: first, end: end, dir: dir, bindable: bindable,
		rng:      rand.New(rand.NewPCG(rand.Uint64(), uint64(os.Getpid()))),
		locks:    map[int]*os.File{},
		reserved: make([]bool, end-first),
		next:     first,
	}, nil
}

// shared is the allocator of this test process, used by every harness in it: ports must
// be unique across all of them, so it is the one piece of process-wide state.
var shared = sync.OnceValues(func() (*Allocator, error) {
	dir := fmt.Sprintf("%s/consentgw-testports-%d", os.TempDir(), os.Getuid())
	end := rangeEnd
	if low, err := ephemeralLow(); err == nil && low < end {
		end = low
	}
	return New(dir, rangeFirst, end)
})

// Reserve hands out n consecutive ports from an even one, each free now for every
// transport of proto, and not handed out again until Release.
func (a *Allocator) Reserve(proto Proto, n int) (int, error) {
	if n < 1 || n > (a.end-a.first)/4 {
		return 0, fmt.Errorf("testports: %d ports: %w", n, ErrSize)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if port, ok := a.search(proto, n); ok {
		return port, nil
	}
	blocks := (a.end - a.first) / blockSize
	need := (n + blockSize - 1) / blockSize
	start := a.rng.IntN(blocks)
	for i := range blocks {
		b := (start + i) % blocks
		if b+need > blocks {
			continue
		}
		ok, err := a.lockBlocks(b, need)
		if err != nil {
			return 0, err
		}
		if !ok {
			continue
		}
		if port, ok := a.search(proto, n); ok {
			return port, nil
		}
	}
	return 0, fmt.Errorf("testports: %d %s ports: %w", n, proto, ErrExhausted)
}

// Release gives back a run Reserve handed out.
func (a *Allocator) Release(first, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for p := first; p < first+n; p++ {
		a.reserved[p-a.first] = false
	}
}

// search finds a run of n free ports in the blocks this process holds, starting after the
// last run handed out so that a port just released is the last to be reused.
func (a *Allocator) search(proto Proto, n int) (int, bool) {
	size := a.end - a.first
	for i := 0; i < size; i += 2 {
		port := a.first + (a.next-a.first+i)%size
		if port+n > a.end || !a.free(port, n) {
			continue
		}
		if !a.bindable(proto, port, n) {
			continue
		}
		for p := port; p < port+n; p++ {
			a.reserved[p-a.first] = true
		}
		a.next = port + n + n%2
		if a.next >= a.end {
			a.next = a.first
		}
		return port, true
	}
	return 0, false
}

// free reports whether every port of [port, port+n) is in a block this process holds
// and not handed out.
func (a *Allocator) free(port, n int) bool {
	for p := port; p < port+n; p++ {
		if a.reserved[p-a.first] {
			return false
		}
		if _, held := a.locks[(p-a.first)/blockSize]; !held {
			return false
		}
	}
	return true
}

// lockBlocks takes need consecutive blocks from index b, or none of them.
func (a *Allocator) lockBlocks(b, need int) (bool, error) {
	var taken []int
	for i := b; i < b+need; i++ {
		if _, held := a.locks[i]; held {
			continue
		}
		f, ok, err := lockBlock(a.dir, a.first+i*blockSize)
		if err != nil || !ok {
			for _, t := range taken {
				a.locks[t].Close()
				delete(a.locks, t)
			}
			return false, err
		}
		a.locks[i] = f
		taken = append(taken, i)
	}
	return true, nil
}

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() (int, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, fmt.Errorf("reading the ephemeral port range: %w", err)
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 0, fmt.Errorf("parsing the ephemeral port range %q: %w", b, strconv.ErrSyntax)
	}
	port, err := strconv.Atoi(fields[0])
	if err != nil {
		return 0, fmt.Errorf("parsing the ephemeral port range %q: %w", b, err)
	}
	return port, nil
}
