package media

import (
	"errors"
	"net/netip"
	"testing"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func TestPortPoolHandsOutEvenPairsAndTakesThemBack(t *testing.T) {
	pool, err := NewPortPool(loopback, 41001, 41010)
	if err != nil {
		t.Fatal(err)
	}
	if pool.Capacity() != 4 { // 41002..41009
		t.Fatalf("capacity %d", pool.Capacity())
	}
	var eps []*Endpoint
	for range pool.Capacity() {
		ep, err := pool.Open()
		if err != nil {
			t.Fatal(err)
		}
		if ep.LocalAddr().Port()%2 != 0 {
			t.Fatalf("odd RTP port %d", ep.LocalAddr().Port())
		}
		eps = append(eps, ep)
	}
	if _, err := pool.Open(); !errors.Is(err, ErrPortsExhausted) {
		t.Fatalf("full pool: err = %v", err)
	}
	for _, ep := range eps {
		ep.Start(nil)
		ep.Close()
	}
	if pool.InUse() != 0 {
		t.Fatalf("%d pairs still in use", pool.InUse())
	}
	ep, err := pool.Open()
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	ep.Close()
}
