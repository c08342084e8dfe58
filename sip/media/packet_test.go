package media

import (
	"errors"
	"testing"

	"github.com/pion/rtp"
)

func TestParsePacketReturnsPayloadWithoutPadding(t *testing.T) {
	pkt := []byte{0xA0, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 7, 0x11, 0x22, 0x00, 0x00, 0x03}
	var h rtp.Header
	payload, err := ParsePacket(pkt, &h)
	if err != nil {
		t.Fatal(err)
	}
	if string(payload) != "\x11\x22" || h.Timestamp != 160 || h.SSRC != 7 || h.SequenceNumber != 1 {
		t.Fatalf("payload %x header %+v", payload, h)
	}
}

func TestParsePacketRejectsGarbage(t *testing.T) {
	cases := map[string][]byte{
		"short":          {0x80, 0},
		"version 1":      {0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff},
		"padding > size": {0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x40},
		"zero padding":   {0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x00},
		"csrc missing":   {0x83, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},
	}
	for name, pkt := range cases {
		t.Run(name, func(t *testing.T) {
			var h rtp.Header
			if _, err := ParsePacket(pkt, &h); !errors.Is(err, ErrNotRTP) {
				t.Fatalf("err = %v, want ErrNotRTP", err)
			}
		})
	}
}

func TestParsePacketAllocatesNothingForPlainPackets(t *testing.T) {
	pkt := make([]byte, 172)
	pkt[0] = 0x80
	var h rtp.Header
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParsePacket(pkt, &h); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per packet", allocs)
	}
}

func FuzzParsePacket(f *testing.F) {
	f.Add([]byte{0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 7, 0xff})
	f.Add([]byte{0x90, 0x65, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 7, 0xbe, 0xde, 0, 1, 1, 2, 3, 4})
	f.Add([]byte{0xA3, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 9, 1})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		var h rtp.Header
		payload, err := ParsePacket(pkt, &h)
		if err == nil && len(payload) > len(pkt) {
			t.Fatalf("payload longer than packet")
		}
	})
}
