package b2bua

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxTrackedSources bounds the limiter's memory: a flood from many (spoofed) addresses
// must not grow the map without end.
const maxTrackedSources = 16384

// sourceLimiter is a token bucket per source IP for new INVITEs. Its map is bounded:
// when full, idle sources (bucket full again) go first, then arbitrary ones, an eighth
// of the map at a time so the sweep's cost spreads over many inserts.
type sourceLimiter struct {
	limit rate.Limit
	burst int
	cap   int

	mu      sync.Mutex
	sources map[netip.Addr]*rate.Limiter
}

func newSourceLimiter(limit rate.Limit, burst, capacity int) *sourceLimiter {
	return &sourceLimiter{limit: limit, burst: burst, cap: max(capacity, 8), sources: make(map[netip.Addr]*rate.Limiter)}
}

// allow takes a token from src's bucket at now.
func (l *sourceLimiter) allow(src netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.sources[src]
	if !ok {
		if len(l.sources) >= l.cap {
			l.evict(now)
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.sources[src] = lim
	}
	return lim.AllowN(now, 1)
}

// exhausted reports whether src has no token left at now, without taking one.
func (l *sourceLimiter) exhausted(src netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.sources[src]
	return ok && lim.TokensAt(now) < 1
}

// evict frees at least an eighth of the map. An idle source loses nothing by being
// forgotten: it would start again from a full bucket anyway.
func (l *sourceLimiter) evict(now time.Time) {
	want := l.cap / 8
	freed := 0
	for addr, lim := range l.sources {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.sources, addr)
			freed++
		}
	}
	for addr := range l.sources {
		if freed >= want {
			return
		}
		delete(l.sources, addr)
		freed++
	}
}

// tracked is how many sources the limiter remembers.
func (l *sourceLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.sources)
}
