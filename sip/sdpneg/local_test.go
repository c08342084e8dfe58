package sdpneg

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestLocalMarshalWritesTheGatewayAnswer(t *testing.T) {
	l := Local{
		SessionID: 42, SessionVersion: 7,
		Addr: netip.MustParseAddr("192.0.2.10"), Port: 20000,
		Choice: Choice{
			Audio:          Format{PayloadType: 8, Name: "PCMA", ClockRate: 8000, Channels: 1},
			TelephoneEvent: &Format{PayloadType: 101, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: "0-15"},
		},
		Direction: RecvOnly,
	}
	b, err := l.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	want := strings.Join([]string{
		"v=0",
		"o=consentgw 42 7 IN IP4 192.0.2.10",
		"s=consentgw",
		"c=IN IP4 192.0.2.10",
		"t=0 0",
		"m=audio 20000 RTP/AVP 8 101",
		"a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-16",
		"a=ptime:20",
		"a=recvonly",
		"",
	}, "\r\n")
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
}

func TestLocalMarshalParseRoundTrip(t *testing.T) {
	tests := []Local{
		{SessionID: 1, SessionVersion: 1, Addr: netip.MustParseAddr("10.1.2.3"), Port: 30000,
			Choice: Choice{Audio: Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000, Channels: 1}}},
		{SessionID: 1<<63 - 1, SessionVersion: 99, Addr: netip.MustParseAddr("2001:db8::7"), Port: 40000,
			Choice: Choice{
				Audio:          Format{PayloadType: 8, Name: "PCMA", ClockRate: 8000, Channels: 1},
				TelephoneEvent: &Format{PayloadType: 97, Name: "telephone-event", ClockRate: 8000, Channels: 1},
			},
			Direction: Inactive, Ptime: 30},
	}
	for _, l := range tests {
		t.Run(l.Addr.String(), func(t *testing.T) {
			b, err := l.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			d, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse(Marshal()): %v\n%s", err, b)
			}
			wantDir := l.Direction
			if wantDir == "" {
				wantDir = SendRecv
			}
			wantPtime := l.Ptime
			if wantPtime == 0 {
				wantPtime = DefaultPtime
			}
			if d.SessionID != l.SessionID || d.SessionVersion != l.SessionVersion || d.Addr != l.Addr ||
				d.Port != l.Port || d.RTCPPort != l.Port+1 || d.Proto != "RTP/AVP" ||
				d.Direction != wantDir || d.Ptime != wantPtime {
				t.Errorf("round trip = %+v from %+v", d, l)
			}
			c, err := Choose(d)
			if err != nil {
				t.Fatalf("Choose: %v", err)
			}
			if c.Audio != l.Choice.Audio {
				t.Errorf("audio %+v, want %+v", c.Audio, l.Choice.Audio)
			}
			if (c.TelephoneEvent == nil) != (l.Choice.TelephoneEvent == nil) ||
				(c.TelephoneEvent != nil && c.TelephoneEvent.PayloadType != l.Choice.TelephoneEvent.PayloadType) {
				t.Errorf("telephone-event %+v, want %+v", c.TelephoneEvent, l.Choice.TelephoneEvent)
			}
		})
	}
}

func TestAnswerKeepsOfferedMediaLinesInOrder(t *testing.T) {
	offer, err := Parse(offerAudioVideo)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	c, err := Choose(offer)
	if err != nil {
		t.Fatalf("Choose: %v", err)
	}
	b, err := Local{
		SessionID: 3, SessionVersion: 3, Addr: netip.MustParseAddr("192.0.2.10"), Port: 20002,
		Choice: c, Direction: AnswerDirection(offer.Direction), AnswerTo: offer,
	}.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	answer, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(answer): %v\n%s", err, b)
	}
	wantMedia := []MediaLine{
		{Media: "video", Port: 0, Proto: "RTP/AVP", Formats: []string{"96"}},
		{Media: "audio", Port: 20002, Proto: "RTP/AVP", Formats: []string{"8"}},
	}
	if !reflect.DeepEqual(answer.Media, wantMedia) || answer.AudioIndex != 1 || answer.Direction != RecvOnly {
		t.Errorf("answer media %+v index %d dir %q\n%s", answer.Media, answer.AudioIndex, answer.Direction, b)
	}
}

func TestLocalMarshalRefusesIncompleteDescriptions(t *testing.T) {
	pcmu := Choice{Audio: Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000}}
	for name, l := range map[string]Local{
		"no address": {Port: 1000, Choice: pcmu},
		"no codec":   {Addr: netip.MustParseAddr("192.0.2.1"), Port: 1000},
	} {
		if _, err := l.Marshal(); !errors.Is(err, ErrBadLocal) {
			t.Errorf("%s: err = %v, want ErrBadLocal", name, err)
		}
	}
}
