package proctest

import (
	"bytes"
	"strings"
	"sync"
)

// Output keeps what a process writes (its Stdout and Stderr), or an in-process server's
// log, for a test to read while it runs and to print when it fails.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

// String is everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// tailBytes is how much of a log a failure message quotes.
const tailBytes = 4000

// Tail is the end of a log, for a failure message.
func Tail(log string) string {
	if len(log) > tailBytes {
		log = log[len(log)-tailBytes:]
	}
	return strings.TrimSpace(log)
}
