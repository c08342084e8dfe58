package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Job files in the spool, named <id>.<kind>.json so that a plain sort yields the oldest
// call first (ids are ULIDs) and a call's receipt before its recording.
const (
	kindReceipt   = "receipt"
	kindRecording = "recording"
	// kindActive marks a recording in progress: what a restart needs to finish it.
	kindActive = "active"
)

type job struct {
	id, kind, path string
}

func (a *Archiver) jobPath(id, kind string) string {
	return filepath.Join(a.o.Dir, id+"."+kind+".json")
}

// wavPath is where the recorder spools a call's audio.
func (a *Archiver) wavPath(id string) string {
	return filepath.Join(a.o.Dir, id+".wav")
}

// WAVPath is the spool file a call's recorder writes to.
func (a *Archiver) WAVPath(id string) string { return a.wavPath(id) }

// pending lists the receipt and recording jobs, oldest first.
func (a *Archiver) pending() []job {
	return a.list(kindReceipt, kindRecording)
}

func (a *Archiver) list(kinds ...string) []job {
	entries, err := os.ReadDir(a.o.Dir)
	if err != nil {
		a.log.Error("reading the spool failed", "error", err)
		return nil
	}
	var jobs []job
	for _, e := range entries {
		name := e.Name()
		base, ok := strings.CutSuffix(name, ".json")
		if !ok || strings.HasPrefix(name, ".") {
			continue
		}
		id, kind, ok := strings.Cut(base, ".")
		if !ok {
			continue
		}
		for _, k := range kinds {
			if kind == k {
				jobs = append(jobs, job{id: id, kind: kind, path: filepath.Join(a.o.Dir, name)})
			}
		}
	}
	sort.Slice(jobs, func(i, j int) bool { return filepath.Base(jobs[i].path) < filepath.Base(jobs[j].path) })
	return jobs
}

// put writes a job file atomically (temp file, fsync, rename) and queues it.
func (a *Archiver) put(id, kind string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("archive: encoding %s job: %w", kind, err)
	}
	f, err := os.CreateTemp(a.o.Dir, ".tmp-"+id+"-*")
	if err != nil {
		return fmt.Errorf("archive: spooling %s job: %w", kind, err)
	}
	tmp := f.Name()
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, a.jobPath(id, kind))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("archive: spooling %s job: %w", kind, err)
	}
	if kind != kindActive {
		a.enqueue(job{id: id, kind: kind, path: a.jobPath(id, kind)})
	}
	return nil
}

func (a *Archiver) read(j job, v any) error {
	body, err := os.ReadFile(j.path)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

// drop removes a job that can never succeed (unreadable, its audio gone) and says why. A
// job file that is gone was discarded, or stored already (a call's job queued twice).
func (a *Archiver) drop(j job, why error) error {
	if errors.Is(why, fs.ErrNotExist) {
		return nil
	}
	a.log.Error("dropping a spooled job that cannot be stored", "kind", j.kind, "id", j.id, "error", why)
	os.Remove(j.path)
	return nil
}

// SpoolBytes is the size of everything in the spool: audio in progress and the outbox.
func (a *Archiver) SpoolBytes() int64 {
	entries, err := os.ReadDir(a.o.Dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			n += info.Size()
		}
	}
	return n
}

// SpoolFull tells whether the spool reached storage's bound: new recordings are not
// started then (the call goes on unrecorded) so the disk never fills. The spool's size is
// read at most once per spoolCheckEvery (each read stats every file in it, hundreds with
// as many live recordings), so the bound may be passed by what new recordings write in
// that time.
func (a *Archiver) SpoolFull() bool {
	return a.o.MaxSpoolBytes > 0 && a.spool.bytes(a.SpoolBytes) >= a.o.MaxSpoolBytes
}

// spoolCheckEvery is how long SpoolFull trusts its last reading of the spool's size.
const spoolCheckEvery = time.Second

// spoolUsage caches the spool's size for SpoolFull.
type spoolUsage struct {
	mu   sync.Mutex
	at   time.Time
	size int64
}

func (u *spoolUsage) bytes(read func() int64) int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	if now := time.Now(); u.at.IsZero() || now.Sub(u.at) >= spoolCheckEvery {
		u.size, u.at = read(), now
	}
	return u.size
}

// Pending is the number of jobs waiting for the store.
func (a *Archiver) Pending() int { return len(a.pending()) }
