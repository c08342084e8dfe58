package g711

import "testing"

func TestLawNamesAndPayloadTypes(t *testing.T) {
	tests := []struct {
		law  Law
		name string
		pt   uint8
	}{
		{ULaw, "PCMU", 0},
		{ALaw, "PCMA", 8},
	}
	for _, tc := range tests {
		if got := tc.law.String(); got != tc.name {
			t.Errorf("%d.String() = %q, want %q", tc.law, got, tc.name)
		}
		if got := tc.law.PayloadType(); got != tc.pt {
			t.Errorf("%s.PayloadType() = %d, want %d", tc.name, got, tc.pt)
		}
		if got, ok := LawFromPayloadType(tc.pt); !ok || got != tc.law {
			t.Errorf("LawFromPayloadType(%d) = %v, %v", tc.pt, got, ok)
		}
	}
	if got := Law(7).String(); got != "Law(7)" {
		t.Errorf("Law(7).String() = %q", got)
	}
}

func TestLawFromPayloadTypeRejectsOtherTypes(t *testing.T) {
	for _, pt := range []uint8{1, 3, 9, 18, 96, 101, 127, 255} {
		if l, ok := LawFromPayloadType(pt); ok {
			t.Errorf("LawFromPayloadType(%d) = %v, want not ok", pt, l)
		}
	}
}

func TestLawFromNameIgnoresCase(t *testing.T) {
	tests := []struct {
		name string
		want Law
		ok   bool
	}{
		{"PCMU", ULaw, true},
		{"pcmu", ULaw, true},
		{"PcMu", ULaw, true},
		{"PCMA", ALaw, true},
		{"pcma", ALaw, true},
		{"G722", 0, false},
		{"PCMU/8000", 0, false},
		{"", 0, false},
		{" PCMU", 0, false},
	}
	for _, tc := range tests {
		got, ok := LawFromName(tc.name)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("LawFromName(%q) = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSilenceEncodesZero(t *testing.T) {
	tests := []struct {
		law     Law
		silence byte
		decoded int16
	}{
		{ULaw, 0xFF, 0},
		{ALaw, 0xD5, 8},
	}
	for _, tc := range tests {
		if got := tc.law.Silence(); got != tc.silence {
			t.Errorf("%s.Silence() = %#x, want %#x", tc.law, got, tc.silence)
		}
		if got := tc.law.EncodeSample(0); got != tc.silence {
			t.Errorf("%s.EncodeSample(0) = %#x, want %#x", tc.law, got, tc.silence)
		}
		if got := tc.law.DecodeSample(tc.law.Silence()); got != tc.decoded {
			t.Errorf("%s silence decodes to %d, want %d", tc.law, got, tc.decoded)
		}
	}
}
