package archive

import (
	"math"
	"sync/atomic"
	"syscall"
	"time"
)

// checkEvery is how often the spool's room is measured (a measure stats every file in
// the spool, hundreds with as many live recordings) and held jobs are tried again.
const checkEvery = time.Second

// capacity is the spool's last measured room, read by every new call and every scrape.
type capacity struct {
	room atomic.Int64 // bytes a recording may still take
	full atomic.Bool
}

// Room is how many bytes the spool may still take, as last measured (at most checkEvery
// ago): the free space of its filesystem, or what MaxSpoolBytes leaves, whichever is less.
func (a *Archiver) Room() int64 { return a.capacity.room.Load() }

// Full reports whether the spool has less than a call's worth of room (ReserveBytes) left,
// as last measured. New recordings must not start then: /readyz fails and new calls are
// refused or taken unrecorded, by the gateway's configuration. Calls in progress go on
// recording until the disk itself is full.
func (a *Archiver) Full() bool { return a.capacity.full.Load() }

// measure reads the spool's room, records it, and logs when the spool becomes full and
// when it has room again: the one error line an operator gets for a full spool.
func (a *Archiver) measure() {
	room := int64(math.MaxInt64)
	var fs syscall.Statfs_t
	if err := syscall.Statfs(a.o.Dir, &fs); err == nil {
		room = int64(fs.Bavail) * fs.Bsize
	}
	used := a.SpoolBytes()
	if a.o.MaxSpoolBytes > 0 {
		room = min(room, a.o.MaxSpoolBytes-used)
	}
	room = max(room, 0)
	full := room <= 0 || room < a.o.ReserveBytes
	a.capacity.room.Store(room)
	if was := a.capacity.full.Swap(full); was == full {
		return
	}
	if full {
		a.log.Error("spool full: less than a call's worth of room left; new recordings will not start",
			"room_bytes", room, "reserve_bytes", a.o.ReserveBytes, "spool_bytes", used, "spool", a.o.Dir)
		return
	}
	a.log.Info("spool has room again: new recordings start", "room_bytes", room, "reserve_bytes", a.o.ReserveBytes)
}

// watch measures the spool and retries the jobs its disk did not take, every checkEvery
// until the archiver closes, and once more then.
func (a *Archiver) watch() {
	tick := time.NewTicker(checkEvery)
	defer tick.Stop()
	for {
		select {
		case <-a.closing:
			a.retryHeld()
			return
		case <-tick.C:
			a.measure()
			a.retryHeld()
		}
	}
}
