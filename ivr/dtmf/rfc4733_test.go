package dtmf

import (
	"encoding/binary"
	"errors"
	"testing"
)

// te builds a telephone-event payload with volume 10.
func te(event uint8, end bool, duration uint16) []byte {
	p := []byte{event, 10, 0, 0}
	if end {
		p[1] |= 0x80
	}
	binary.BigEndian.PutUint16(p[2:], duration)
	return p
}

type packet struct {
	ts      uint32
	payload []byte
}

// press is the packets a SIPp-like sender emits for one key: a start packet,
// an update every 20 ms with growing duration, and the end packet three times
// (RFC 4733 §2.5.1.3), all with the event's timestamp.
func press(ts uint32, event uint8, updates int) []packet {
	ps := []packet{{ts, te(event, false, 0)}}
	for i := 1; i <= updates; i++ {
		ps = append(ps, packet{ts, te(event, false, uint16(160*i))})
	}
	end := uint16(160 * (updates + 1))
	for range 3 {
		ps = append(ps, packet{ts, te(event, true, end)})
	}
	return ps
}

func seq(parts ...[]packet) []packet {
	var all []packet
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

func TestRFC4733DetectorReportsEachPressOnce(t *testing.T) {
	tests := []struct {
		name    string
		packets []packet
		want    string
	}{
		{"one press", press(1000, 5, 4), "5"},
		{"two presses of the same key", seq(press(1000, 5, 4), press(3000, 5, 4)), "55"},
		{"a sequence of keys", seq(press(1000, 1, 3), press(2000, 10, 3), press(3000, 11, 3), press(4000, 15, 3)), "1*#D"},
		{"start packets lost", press(1000, 7, 5)[3:], "7"},
		{"only the end packets arrive", press(1000, 9, 5)[6:], "9"},
		{"end packets lost, then the same key again", seq(press(1000, 4, 5)[:6], press(3000, 4, 5)), "44"},
		{"next event reuses the timestamp after an end", seq(press(1000, 1, 2), press(1000, 2, 2)), "12"},
		{"timestamps wrap around", seq(press(0xFFFFFE00, 3, 4), press(0x00000100, 3, 4)), "33"},
		{"the event itself spans the wrap", press(0xFFFFFFF0, 8, 4), "8"},
		{
			"late end packet of the previous press",
			seq(press(1000, 6, 3), press(2000, 6, 3)[:2], []packet{{1000, te(6, true, 640)}}, press(2000, 6, 3)[2:]),
			"66",
		},
		{
			"late packet from before the wrap",
			seq(press(0xFFFFFF00, 2, 3), press(0x00000200, 0, 3), []packet{{0xFFFFFF00, te(2, true, 640)}}),
			"20",
		},
		{
			"sender restarts its timestamps far behind",
			seq(press(5_000_000, 1, 3), press(1000, 1, 3)),
			"11",
		},
		{
			"long-duration event continues in a new segment",
			seq(
				[]packet{{1000, te(0, false, 0)}, {1000, te(0, false, 0xFF00)}, {1000, te(0, false, 0xFFFF)}},
				[]packet{{1000 + 0xFFFF, te(0, false, 160)}, {1000 + 0xFFFF, te(0, true, 320)}},
			),
			"0",
		},
		{"non-key events are not reported", seq(press(1000, 16, 3), press(2000, 2, 3)), "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d RFC4733Detector
			var got []byte
			for i, p := range tc.packets {
				digit, ok, err := d.Push(p.ts, p.payload)
				if err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				if ok {
					got = append(got, digit)
				}
			}
			if string(got) != tc.want {
				t.Errorf("reported %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRFC4733DetectorReportsOnTheFirstPacket(t *testing.T) {
	var d RFC4733Detector
	digit, ok, err := d.Push(1000, te(1, false, 0))
	if err != nil || !ok || digit != '1' {
		t.Fatalf("first packet: %q, %v, %v; want '1' at once for barge-in", digit, ok, err)
	}
}

func TestRFC4733DetectorRejectsMalformedPayloads(t *testing.T) {
	var d RFC4733Detector
	if _, ok, err := d.Push(1000, te(5, false, 160)); err != nil || !ok {
		t.Fatalf("start: %v, %v", ok, err)
	}
	digit, ok, err := d.Push(1000, []byte{5, 0x80})
	if !errors.Is(err, ErrShortPayload) || ok {
		t.Fatalf("short payload: %q, %v, %v; want ErrShortPayload and no digit", digit, ok, err)
	}
	// The malformed packet changed nothing: the press goes on unreported.
	if _, ok, err := d.Push(1000, te(5, true, 320)); err != nil || ok {
		t.Errorf("end after malformed packet: reported %v, %v", ok, err)
	}
}

func TestRFC4733DetectorResetForgetsThePress(t *testing.T) {
	var d RFC4733Detector
	d.Push(1000, te(3, false, 0))
	d.Reset()
	if digit, ok, _ := d.Push(1000, te(3, true, 800)); !ok || digit != '3' {
		t.Errorf("after Reset: %q, %v; want '3'", digit, ok)
	}
}

func FuzzRFC4733Detector(f *testing.F) {
	var sipp []byte
	for _, p := range seq(press(1000, 5, 3), press(0xFFFFFFF0, 11, 2)) {
		sipp = binary.BigEndian.AppendUint32(sipp, p.ts)
		sipp = append(sipp, p.payload...)
	}
	f.Add(sipp)
	f.Add([]byte{0, 0, 0, 1, 5, 0x8A})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d RFC4733Detector
		// Each packet is a 4-byte timestamp and a payload of 0-7 bytes
		// whose length the timestamp's low bits choose.
		for len(data) >= 4 {
			ts := binary.BigEndian.Uint32(data)
			data = data[4:]
			n := min(int(ts&7), len(data))
			payload := data[:n]
			data = data[n:]
			digit, ok, err := d.Push(ts, payload)
			if err != nil && ok {
				t.Fatalf("digit %q reported with error %v", digit, err)
			}
			if (err != nil) != (n < 4) {
				t.Fatalf("payload of %d bytes: error %v", n, err)
			}
			if _, valid := DigitEvent(digit); ok && !valid {
				t.Fatalf("reported %q, not a key", digit)
			}
		}
	})
}
