package dtmf

import (
	"errors"
	"testing"
)

func TestParseInfo(t *testing.T) {
	const relay = "application/dtmf-relay"
	tests := []struct {
		name        string
		contentType string
		body        string
		want        byte
		wantErr     error
	}{
		{"dtmf-relay with CRLF", relay, "Signal=5\r\nDuration=160\r\n", '5', nil},
		{"dtmf-relay with LF only", relay, "Signal=7\nDuration=100\n", '7', nil},
		{"space after the equals sign", relay, "Signal= 5\r\nDuration= 160\r\n", '5', nil},
		{"spaces around key and value", relay, "  Signal  =  9  \r\n", '9', nil},
		{"lower-case key", relay, "signal=3\r\nduration=250\r\n", '3', nil},
		{"upper-case key", relay, "SIGNAL=4\r\n", '4', nil},
		{"signal after duration", relay, "Duration=160\r\nSignal=8\r\n", '8', nil},
		{"no trailing newline", relay, "Signal=2", '2', nil},
		{"star", relay, "Signal=*\r\nDuration=160\r\n", '*', nil},
		{"hash", relay, "Signal=#\r\n", '#', nil},
		{"10 means star", relay, "Signal=10\r\nDuration=160\r\n", '*', nil},
		{"11 means hash", relay, "Signal=11\r\n", '#', nil},
		{"12 means A", relay, "Signal=12\r\n", 'A', nil},
		{"lower-case letter", relay, "Signal=d\r\n", 'D', nil},
		{"content type case and parameters ignored", "Application/DTMF-Relay; charset=x", "Signal=6\r\n", '6', nil},
		{"dtmf body", "application/dtmf", "5", '5', nil},
		{"dtmf body with newline", "application/dtmf", "#\r\n", '#', nil},
		{"dtmf body as event code", "application/dtmf", "10", '*', nil},
		{"dtmf content type upper-case", "APPLICATION/DTMF", "0", '0', nil},
		{"no signal line", relay, "Duration=160\r\n", 0, ErrNoDigit},
		{"empty signal", relay, "Signal=\r\nDuration=160\r\n", 0, ErrNoDigit},
		{"empty relay body", relay, "", 0, ErrNoDigit},
		{"empty dtmf body", "application/dtmf", "  \r\n", 0, ErrNoDigit},
		{"signal not a key", relay, "Signal=E\r\n", 0, ErrInvalidDigit},
		{"signal 16", relay, "Signal=16\r\n", 0, ErrInvalidDigit},
		{"dtmf body with event code 12", "application/dtmf", "12", 'A', nil},
		{"signal too long", relay, "Signal=123\r\n", 0, ErrInvalidDigit},
		{"other content type", "text/plain", "Signal=5", 0, ErrUnsupportedContentType},
		{"media control", "application/media_control+xml", "<x/>", 0, ErrUnsupportedContentType},
		{"prefix of a supported type", "application/dtmf-relayx", "Signal=5", 0, ErrUnsupportedContentType},
		{"no content type", "", "5", 0, ErrUnsupportedContentType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseInfo(tc.contentType, []byte(tc.body))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("digit = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf-relay; charset=utf-8", []byte("signal= 11\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Add("text/plain", []byte("Signal=5"))
	f.Add("application/dtmf-relay", []byte("Signal=\r\n=\r\n\r\n"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		d, err := ParseInfo(contentType, body)
		if err != nil {
			if d != 0 {
				t.Fatalf("digit %q with error %v", d, err)
			}
			return
		}
		if _, ok := DigitEvent(d); !ok || (d >= 'a' && d <= 'd') {
			t.Fatalf("returned %q, not an upper-case key", d)
		}
	})
}
