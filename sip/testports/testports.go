package testports

import "testing"

// Port reserves one port free for proto until t ends.
func Port(t testing.TB, proto Proto) int {
	t.Helper()
	return Block(t, proto, 1)
}

// Block reserves n consecutive ports from an even one, each free for proto, until t
// ends: every port one process will bind (SIPp binds its media port and the three above
// it), or a media range.
func Block(t testing.TB, proto Proto, n int) int {
	t.Helper()
	a, err := shared()
	if err != nil {
		t.Fatalf("reserving %d %s ports: %v", n, proto, err)
	}
	first, err := a.Reserve(proto, n)
	if err != nil {
		t.Fatalf("reserving %d %s ports: %v", n, proto, err)
	}
	t.Cleanup(func() { a.Release(first, n) })
	return first
}
