package gateway

import (
	"net/http/httptest"
	"testing"
)

// Only a client on the gateway's host may start a drain: the HTTP listener may serve
// the phone page to anyone.
func TestDrainIsStartedFromThisHostOnly(t *testing.T) {
	for remote, want := range map[string]bool{
		"127.0.0.1:50000":       true,
		"127.0.0.2:50000":       true,
		"[::1]:50000":           true,
		"[::ffff:127.0.0.1]:80": true,
		"192.0.2.7:50000":       false,
		"[2001:db8::1]:50000":   false,
		"not an address":        false,
	} {
		r := httptest.NewRequest("POST", "/drain", nil)
		r.RemoteAddr = remote
		if got := fromLoopback(r); got != want {
			t.Errorf("fromLoopback(%s) = %v, want %v", remote, got, want)
		}
	}
}
