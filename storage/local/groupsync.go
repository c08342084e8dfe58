package local

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// groupSync makes many Puts durable with one syncfs(2) instead of an fsync per file and
// directory (three per object). A caller waits for a sync that began after its writes;
// every caller that arrives while one runs shares the next. Under load a commit covers
// dozens of objects, and an idle store pays one sync per Put.
//
// syncfs writes back and commits everything dirty on the store's filesystem (since Linux
// 5.8 it also reports writeback errors), which is what fsync of each file, sidecar and
// directory gave, at the cost of also flushing other files there (the spool's WAVs).
type groupSync struct {
	syncfs func() error

	mu      sync.Mutex
	cond    sync.Cond
	started uint64 // syncs begun; one runs while started > done
	done    uint64 // syncs finished
	// failed is the last sync that failed, err its error.
	failed uint64
	err    error
}

// newGroupSync syncs the filesystem that holds dir.
func newGroupSync(dir *os.File) *groupSync {
	return newGroupSyncFunc(func() error { return unix.Syncfs(int(dir.Fd())) })
}

func newGroupSyncFunc(syncfs func() error) *groupSync {
	g := &groupSync{syncfs: syncfs}
	g.cond.L = &g.mu
	return g
}

// wait returns once everything written before it was called is on disk.
func (g *groupSync) wait() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	// A sync running now may have begun before our writes: we need the one after it.
	target := g.started + 1
	for g.done < target {
		if g.started > g.done {
			g.cond.Wait()
			continue
		}
		g.started++
		gen := g.started
		g.mu.Unlock()
		err := g.syncfs()
		g.mu.Lock()
		g.done = gen
		if err != nil {
			g.failed, g.err = gen, err
		}
		g.cond.Broadcast()
	}
	// Syncs finish in order, so ours is target; a later failure may hide its success,
	// which only makes the caller retry an idempotent Put.
	if g.failed >= target {
		return fmt.Errorf("syncing the store: %w", g.err)
	}
	return nil
}
