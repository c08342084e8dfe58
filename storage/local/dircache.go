package local

import "sync"

// maxCachedDirs bounds the cache: subjects/ has a directory per subject, and a cache
// that forgets everything now and then only costs a MkdirAll per directory again.
const maxCachedDirs = 4096

// dirCache remembers directories a Put made, so the next Put into the same day's
// recordings/ or receipts/ directory skips MkdirAll's walk of every path element. An
// entry may be stale (a Delete pruned the directory): createTemp then gets ENOENT and
// makes it again.
type dirCache struct {
	mu   sync.Mutex
	dirs map[string]struct{}
}

func (c *dirCache) has(dir string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.dirs[dir]
	return ok
}

func (c *dirCache) add(dir string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dirs == nil || len(c.dirs) >= maxCachedDirs {
		c.dirs = make(map[string]struct{})
	}
	c.dirs[dir] = struct{}{}
}

func (c *dirCache) forget(dir string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.dirs, dir)
}
