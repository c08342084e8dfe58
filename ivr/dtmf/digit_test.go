package dtmf

import "testing"

func TestEventDigitFollowsRFC4733EventCodes(t *testing.T) {
	for ev := range 16 {
		d, ok := EventDigit(uint8(ev))
		if !ok || d != "0123456789*#ABCD"[ev] {
			t.Errorf("EventDigit(%d) = %q, %v", ev, d, ok)
		}
		back, ok := DigitEvent(d)
		if !ok || back != uint8(ev) {
			t.Errorf("DigitEvent(%q) = %d, %v; want %d", d, back, ok, ev)
		}
	}
	for _, ev := range []uint8{16, 32, 255} {
		if d, ok := EventDigit(ev); ok {
			t.Errorf("EventDigit(%d) = %q, want not a key", ev, d)
		}
	}
}

func TestDigitEventAcceptsLowerCaseLetters(t *testing.T) {
	for i, d := range []byte("abcd") {
		if ev, ok := DigitEvent(d); !ok || ev != uint8(12+i) {
			t.Errorf("DigitEvent(%q) = %d, %v", d, ev, ok)
		}
	}
	for _, d := range []byte("eE+ -xX\x00") {
		if ev, ok := DigitEvent(d); ok {
			t.Errorf("DigitEvent(%q) = %d, want not a key", d, ev)
		}
	}
}
