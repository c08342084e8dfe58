package media

import (
	"net/netip"
	"testing"
)

func TestHoldsNamesThePairsHandedOut(t *testing.T) {
	pool, err := NewPortPool(netip.MustParseAddr("127.0.0.1"), 21000, 21999)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ep, err := pool.Open()
	if err != nil {
		t.Fatal(err)
	}
	rtp := int(ep.LocalAddr().Port())
	if !pool.Holds(rtp) || !pool.Holds(rtp+1) {
		t.Errorf("pool does not hold %d/%d, the pair it handed out", rtp, rtp+1)
	}
	if pool.Holds(rtp + 2) {
		t.Errorf("pool holds %d, which it did not hand out", rtp+2)
	}
	ep.Close()
	if pool.Holds(rtp) {
		t.Errorf("pool still holds %d after the endpoint closed", rtp)
	}
}
