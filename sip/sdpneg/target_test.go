package sdpneg

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckTargetRefusesWhatNoMediaMayGoTo(t *testing.T) {
	offer := func(c string, port string) string {
		return "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=" + c + "\r\nt=0 0\r\nm=audio " + port + " RTP/AVP 0\r\n"
	}
	tests := []struct {
		name       string
		sdp        string
		target     error // of CheckTarget
		unicastErr error // of CheckUnicast
	}{
		{"unicast", offer("IN IP4 192.0.2.1", "4000"), nil, nil},
		{"IPv6 unicast", offer("IN IP6 2001:db8::1", "4000"), nil, nil},
		{"only stream disabled", offer("IN IP4 192.0.2.1", "0"), ErrStreamDisabled, nil},
		{"IPv4 multicast", offer("IN IP4 233.252.0.1/127", "4000"), ErrNotUnicast, ErrNotUnicast},
		{"IPv6 multicast", offer("IN IP6 ff0e::101", "4000"), ErrNotUnicast, ErrNotUnicast},
		{"broadcast", offer("IN IP4 255.255.255.255", "4000"), ErrNotUnicast, ErrNotUnicast},
		{"legacy hold", offer("IN IP4 0.0.0.0", "4000"), nil, nil},
		{"second audio stream live", strings.Replace(offer("IN IP4 192.0.2.1", "0"), "RTP/AVP 0\r\n", "RTP/AVP 0\r\nm=audio 4002 RTP/AVP 0\r\n", 1), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.sdp))
			if err != nil {
				t.Fatal(err)
			}
			if err := d.CheckTarget(); !errors.Is(err, tt.target) || (tt.target == nil) != (err == nil) {
				t.Errorf("CheckTarget: %v, want %v", err, tt.target)
			}
			if err := d.CheckUnicast(); !errors.Is(err, tt.unicastErr) || (tt.unicastErr == nil) != (err == nil) {
				t.Errorf("CheckUnicast: %v, want %v", err, tt.unicastErr)
			}
		})
	}
}
