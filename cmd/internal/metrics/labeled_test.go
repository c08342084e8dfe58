package metrics

import "testing"

// The media plane's reject counts appear as one counter per reason, read at each scrape.
func TestMediaRejectsAreCountersByReason(t *testing.T) {
	counts := map[string]uint64{"unexpected_source": 40, "stun": 3}
	zero := func() float64 { return 0 }
	m := New("gw-a", Gauges{ActiveCalls: zero, PortsInUse: zero, SpoolBytes: zero, ArchivePending: zero, SpoolRoom: zero, SpoolFull: zero, SpoolHeld: zero,
		MediaRejected: func() map[string]uint64 { return counts }})
	for _, want := range []map[string]uint64{{"unexpected_source": 40, "stun": 3}, {"unexpected_source": 40, "stun": 4}} {
		counts["stun"] = want["stun"]
		got := map[string]uint64{}
		families, err := m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "consentgw_media_rejected_total" {
				for _, s := range f.GetMetric() {
					labels := map[string]string{}
					for _, l := range s.GetLabel() {
						labels[l.GetName()] = l.GetValue()
					}
					if labels["node"] != "gw-a" {
						t.Errorf("series %v without the node label", labels)
					}
					got[labels["reason"]] = uint64(s.GetCounter().GetValue())
				}
			}
		}
		if len(got) != len(want) || got["stun"] != want["stun"] || got["unexpected_source"] != want["unexpected_source"] {
			t.Fatalf("scraped %v, want %v", got, want)
		}
	}
}
