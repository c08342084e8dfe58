package dtmf

import (
	"errors"
	"testing"
)

func TestParseTelephoneEvent(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    TelephoneEvent
		wantErr error
	}{
		{"start of 5", []byte{5, 0x0A, 0x00, 0x00}, TelephoneEvent{Event: 5, Volume: 10}, nil},
		{"update of #", []byte{11, 0x0A, 0x01, 0x40}, TelephoneEvent{Event: 11, Volume: 10, Duration: 320}, nil},
		{"end of D", []byte{15, 0x8A, 0x03, 0x20}, TelephoneEvent{Event: 15, End: true, Volume: 10, Duration: 800}, nil},
		{"reserved bit ignored", []byte{1, 0x7F, 0xFF, 0xFF}, TelephoneEvent{Event: 1, Volume: 63, Duration: 0xFFFF}, nil},
		{"extra bytes ignored", []byte{2, 0x80, 0x00, 0xA0, 9, 9, 9, 9}, TelephoneEvent{Event: 2, End: true, Duration: 160}, nil},
		{"non-key event", []byte{16, 0x00, 0x00, 0x50}, TelephoneEvent{Event: 16, Duration: 80}, nil},
		{"empty", nil, TelephoneEvent{}, ErrShortPayload},
		{"three bytes", []byte{1, 2, 3}, TelephoneEvent{}, ErrShortPayload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTelephoneEvent(tc.payload)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func BenchmarkParseTelephoneEvent(b *testing.B) {
	payload := []byte{5, 0x8A, 0x03, 0x20}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTelephoneEvent(payload); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseTelephoneEvent(f *testing.F) {
	f.Add([]byte{5, 0x0A, 0x00, 0x00})
	f.Add([]byte{11, 0x8A, 0x03, 0x20})
	f.Add([]byte{1, 2, 3})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := ParseTelephoneEvent(payload)
		if len(payload) < 4 {
			if !errors.Is(err, ErrShortPayload) {
				t.Fatalf("%d bytes: error %v, want ErrShortPayload", len(payload), err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%d bytes: %v", len(payload), err)
		}
		if ev.Volume > 63 {
			t.Fatalf("volume %d > 63", ev.Volume)
		}
	})
}
