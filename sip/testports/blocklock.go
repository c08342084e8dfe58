package testports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// lockBlock takes the exclusive lock on the block that starts at port, without waiting:
// ok is false when another process holds it. The returned file keeps the lock until it
// is closed or the process exits; the file itself is never removed, since removing a
// file another process is about to lock would let two processes lock two inodes of one
// name.
func lockBlock(dir string, port int) (f *os.File, ok bool, err error) {
	name := filepath.Join(dir, strconv.Itoa(port)+".lock")
	f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, false, fmt.Errorf("opening port block lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("locking port block %s: %w", name, err)
	}
	// Who holds it, for whoever looks at the directory while tests run.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, true, nil
}
