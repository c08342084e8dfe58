package b2bua

import (
	"sync"
	"time"
)

// maxTrackedNonces bounds the memory of nonce counts: a nonce is tracked only once a
// request proved the password with it, so the table grows with real callers, never with
// challenges or failed guesses.
const maxTrackedNonces = 65536

// nonceCounts remembers, for each nonce that admitted a request, the highest nonce-count
// (nc) used with it, so a captured Authorization header cannot be replayed: RFC 7616
// §3.4 (and §5.12 on replay), a request is admitted only with an nc above the last one
// seen. A credential without qop has no nc and its nonce is single-use. Entries leave
// when their nonce expires (nonceLife); when the table is full the oldest go first.
type nonceCounts struct {
	mu    sync.Mutex
	seen  map[string]nonceUse
	order []string // insertion order, for expiry and eviction
}

type nonceUse struct {
	nc    uint64
	issue time.Time // when the nonce was issued: it expires nonceLife after
}

func newNonceCounts() *nonceCounts {
	return &nonceCounts{seen: make(map[string]nonceUse)}
}

// use records nc for nonce and reports whether it is fresh (above every nc seen with
// that nonce).
func (c *nonceCounts) use(nonce string, nc uint64, issued, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	if prev, ok := c.seen[nonce]; ok {
		if nc <= prev.nc {
			return false
		}
		c.seen[nonce] = nonceUse{nc: nc, issue: prev.issue}
		return true
	}
	if len(c.seen) >= maxTrackedNonces {
		c.drop()
	}
	c.seen[nonce] = nonceUse{nc: nc, issue: issued}
	c.order = append(c.order, nonce)
	return true
}

// expire forgets nonces past their life: they are refused as stale before this table is
// asked.
func (c *nonceCounts) expire(now time.Time) {
	for len(c.order) > 0 {
		u, ok := c.seen[c.order[0]]
		if ok && now.Sub(u.issue) <= nonceLife {
			return
		}
		c.drop()
	}
}

func (c *nonceCounts) drop() {
	delete(c.seen, c.order[0])
	c.order = c.order[1:]
}

func (c *nonceCounts) tracked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}
