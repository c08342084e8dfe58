package config

import (
	"errors"
	"testing"
)

func TestParseListener(t *testing.T) {
	tests := []struct {
		in      string
		want    Listener
		wantErr bool
	}{
		{in: "udp:0.0.0.0:5060", want: Listener{"udp", "0.0.0.0", 5060}},
		{in: "tcp:[::1]:5060", want: Listener{"tcp", "::1", 5060}},
		{in: "TLS:sip.example.com:5061", want: Listener{"tls", "sip.example.com", 5061}},
		{in: "ws:127.0.0.1:8088", want: Listener{"ws", "127.0.0.1", 8088}},
		{in: "wss:[2001:db8::1]:8089", want: Listener{"wss", "2001:db8::1", 8089}},
		{in: "udp:127.0.0.1:0", want: Listener{"udp", "127.0.0.1", 0}},
		{in: "", wantErr: true},
		{in: "udp", wantErr: true},
		{in: "0.0.0.0:5060", wantErr: true},
		{in: "sctp:0.0.0.0:5060", wantErr: true},
		{in: "udp:0.0.0.0", wantErr: true},
		{in: "udp:::1:5060", wantErr: true},
		{in: "udp:0.0.0.0:-1", wantErr: true},
		{in: "udp:0.0.0.0:65536", wantErr: true},
		{in: "udp:0.0.0.0:sip", wantErr: true},
		{in: "udp::5060", wantErr: true},
		{in: "udp:-bad-:5060", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseListener(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidValue) {
					t.Errorf("ParseListener(%q) = %+v, %v; want ErrInvalidValue", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseListener(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if again, err := ParseListener(got.String()); err != nil || again != got {
				t.Errorf("String() %q does not parse back: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestListenersNamesTheBadEntry(t *testing.T) {
	c := Default()
	c.SIP.Listen = []string{"udp:0.0.0.0:5060", "bad"}
	_, err := c.Listeners()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "sip.listen[1]" {
		t.Errorf("Listeners() err = %v, want FieldError at sip.listen[1]", err)
	}
}
