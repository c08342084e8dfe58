package sdpneg

import (
	"errors"
	"testing"
)

func TestChoosePicksFirstG711AndTelephoneEventAt8000(t *testing.T) {
	tests := []struct {
		name      string
		body      []byte
		wantAudio string
		wantPT    uint8
		wantTE    int // payload type, -1 for none
	}{
		{"sipp PCMU only", offerSIPp, "PCMU", 0, -1},
		{"sipp PCMA with events", offerSIPpPCMA, "PCMA", 8, 101},
		{"linphone: skips opus and G722, events /8000 not /48000", offerLinphone, "PCMA", 8, 97},
		{"asterisk: PCMA listed before PCMU", offerAsterisk, "PCMA", 8, 101},
		{"ipv6", offerIPv6, "PCMU", 0, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			c, err := Choose(d)
			if err != nil {
				t.Fatalf("Choose: %v", err)
			}
			if c.Audio.Name != tt.wantAudio || c.Audio.PayloadType != tt.wantPT {
				t.Errorf("audio = %+v, want %s/%d", c.Audio, tt.wantAudio, tt.wantPT)
			}
			switch {
			case tt.wantTE < 0 && c.TelephoneEvent != nil:
				t.Errorf("telephone-event = %+v, want none", *c.TelephoneEvent)
			case tt.wantTE >= 0 && (c.TelephoneEvent == nil || int(c.TelephoneEvent.PayloadType) != tt.wantTE):
				t.Errorf("telephone-event = %+v, want PT %d", c.TelephoneEvent, tt.wantTE)
			}
		})
	}
}

func TestChooseKeepsDynamicPayloadTypeForG711(t *testing.T) {
	d := &Description{Formats: []Format{{PayloadType: 110, Name: "pcmu", ClockRate: 8000, Channels: 1}}}
	c, err := Choose(d)
	if err != nil || c.Audio.PayloadType != 110 {
		t.Fatalf("Choose = %+v, %v; want PT 110", c, err)
	}
}

func TestChooseWithoutCommonCodecFails(t *testing.T) {
	d, err := Parse(offerNoG711)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	for _, offer := range []*Description{d, nil, {Formats: []Format{{PayloadType: 0, Name: "PCMU", ClockRate: 16000}}}} {
		if _, err := Choose(offer); !errors.Is(err, ErrNoCommonCodec) {
			t.Errorf("Choose(%+v) err = %v, want ErrNoCommonCodec", offer, err)
		}
	}
}
