package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

// put writes a job file atomically (temp file, fsync, rename) and queues it. A receipt
// or recording job the spool's disk does not take (full, failing) is held in memory and
// written when it can be (see held.go); the error then wraps ErrHeld. A newer job of a
// call carries its newest receipt, so it replaces a receipt job still held.
func (a *Archiver) put(id, kind string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("archive: encoding %s job: %w", kind, err)
	}
	if kind == kindActive {
		if err := a.write(id, kind, body); err != nil {
			return fmt.Errorf("archive: spooling %s job: %w", kind, err)
		}
		return nil
	}
	a.held.drop(id, kindReceipt)
	if err := a.write(id, kind, body); err != nil {
		a.held.add(heldJob{id: id, kind: kind, body: body})
		return fmt.Errorf("archive: spooling %s job: %w: %w", kind, ErrHeld, err)
	}
	a.enqueue(job{id: id, kind: kind, path: a.jobPath(id, kind)})
	return nil
}

// write puts body in the spool as the job file of id and kind, whole or not at all.
func (a *Archiver) write(id, kind string, body []byte) error {
	f, err := os.CreateTemp(a.o.Dir, ".tmp-"+id+"-*")
	if err != nil {
		return err
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
		a.files.Lock()
		err = os.Rename(tmp, a.jobPath(id, kind))
		a.files.Unlock()
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// clear removes the job file of j once its content, body, is stored, unless a newer job
// of the call replaced it meanwhile (a receipt rewritten while the first was being
// stored): that one is queued too and stored next. files orders the check against the
// rename of a new job file.
func (a *Archiver) clear(j job, body []byte) error {
	a.files.Lock()
	defer a.files.Unlock()
	now, err := os.ReadFile(j.path)
	if err != nil || !bytes.Equal(now, body) {
		return nil
	}
	return os.Remove(j.path)
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

// Pending is the number of jobs waiting for the store.
func (a *Archiver) Pending() int { return len(a.pending()) }
