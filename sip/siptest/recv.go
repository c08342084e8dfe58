package siptest

import (
	"testing"
	"time"
)

// Recv waits for one value from ch (an INVITE the agent got, a dialog it answered) or
// fails the test after Wait.
func Recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Wait):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}
