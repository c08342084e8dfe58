package sdpneg

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func TestParseReadsTheAudioStream(t *testing.T) {
	pcmu := Format{PayloadType: 0, Name: "PCMU", ClockRate: 8000, Channels: 1}
	pcma := Format{PayloadType: 8, Name: "PCMA", ClockRate: 8000, Channels: 1}
	tests := []struct {
		name string
		body []byte
		want Description
	}{
		{"sipp uac", offerSIPp, Description{
			SessionID: 53655765, SessionVersion: 2353687637,
			Addr: netip.MustParseAddr("127.0.1.1"), Port: 6000, RTCPPort: 6001, Proto: "RTP/AVP",
			Formats: []Format{pcmu}, Direction: SendRecv,
		}},
		{"sipp pcma with events", offerSIPpPCMA, Description{
			SessionID: 53655765, SessionVersion: 2353687637,
			Addr: netip.MustParseAddr("10.0.0.5"), Port: 6000, RTCPPort: 6001, Proto: "RTP/AVP",
			Formats:   []Format{pcma, {PayloadType: 101, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: "0-11,16"}},
			Direction: SendRecv,
		}},
		{"linphone", offerLinphone, Description{
			SessionID: 2187, SessionVersion: 1234,
			Addr: netip.MustParseAddr("192.168.1.20"), Port: 7078, RTCPPort: 7079, Proto: "RTP/AVP",
			Formats: []Format{
				{PayloadType: 96, Name: "opus", ClockRate: 48000, Channels: 2, Fmtp: "useinbandfec=1"},
				{PayloadType: 9, Name: "G722", ClockRate: 8000, Channels: 1},
				pcma, pcmu,
				{PayloadType: 101, Name: "telephone-event", ClockRate: 48000, Channels: 1},
				{PayloadType: 97, Name: "telephone-event", ClockRate: 8000, Channels: 1},
			},
			Direction: SendRecv, Ptime: 20,
		}},
		{"ipv6 static PCMU without rtpmap", offerIPv6, Description{
			SessionID: 1, SessionVersion: 1,
			Addr: netip.MustParseAddr("2001:db8::1"), Port: 30000, RTCPPort: 30001, Proto: "RTP/AVP",
			Formats:   []Format{pcmu, {PayloadType: 101, Name: "telephone-event", ClockRate: 8000, Channels: 1}},
			Direction: SendRecv,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got.Media, got.AudioIndex = nil, 0
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", *got, tt.want)
			}
		})
	}
}

func TestMediaLevelConnectionAndDirectionWinOverSessionLevel(t *testing.T) {
	tests := []struct {
		name     string
		body     []byte
		wantAddr string
		wantDir  Direction
	}{
		{"media c= overrides session c=", offerAsterisk, "203.0.113.9", SendRecv},
		{"session-level direction applies", sdpText(`
			v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			c=IN IP4 192.0.2.1
			t=0 0
			a=recvonly
			m=audio 4000 RTP/AVP 0`), "192.0.2.1", RecvOnly},
		{"media direction overrides session direction", sdpText(`
			v=0
			o=- 1 1 IN IP4 192.0.2.1
			s=-
			t=0 0
			a=inactive
			m=audio 4000 RTP/AVP 0
			c=IN IP4 192.0.2.2
			a=sendonly`), "192.0.2.2", SendOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if d.Addr != netip.MustParseAddr(tt.wantAddr) || d.Direction != tt.wantDir {
				t.Errorf("addr %v dir %q, want %s %q", d.Addr, d.Direction, tt.wantAddr, tt.wantDir)
			}
		})
	}
}

func TestOnHoldRecognisesEveryHoldForm(t *testing.T) {
	const head = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\n"
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"sendrecv", head + "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", false},
		{"recvonly", head + "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=recvonly\r\n", false},
		{"sendonly", head + "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n", true},
		{"inactive", head + "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=inactive\r\n", true},
		{"session-level sendonly", head + "c=IN IP4 192.0.2.1\r\nt=0 0\r\na=sendonly\r\nm=audio 4000 RTP/AVP 0\r\n", true},
		{"legacy c=0.0.0.0", head + "c=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", true},
		{"legacy c=:: for IPv6", "v=0\r\no=- 1 2 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := d.OnHold(); got != tt.want {
				t.Errorf("OnHold() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRejectedStreamHasPortZeroAndNeedsNoAddress(t *testing.T) {
	d, err := Parse(sdpText(`
		v=0
		o=- 1 1 IN IP4 192.0.2.1
		s=-
		t=0 0
		m=audio 0 RTP/AVP 0`))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if d.Port != 0 || d.RTCPPort != 0 || d.Addr.IsValid() {
		t.Errorf("port %d rtcp %d addr %v, want 0 0 invalid", d.Port, d.RTCPPort, d.Addr)
	}
}

func TestParsePrefersTheFirstLiveAudioStream(t *testing.T) {
	d, err := Parse(sdpText(`
		v=0
		o=- 1 1 IN IP4 192.0.2.1
		s=-
		c=IN IP4 192.0.2.1
		t=0 0
		m=audio 0 RTP/AVP 0
		m=video 4002 RTP/AVP 96
		m=audio 4000 RTP/AVP 8`))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if d.AudioIndex != 2 || d.Port != 4000 || len(d.Media) != 3 || d.Formats[0].Name != "PCMA" {
		t.Errorf("chose index %d port %d formats %v media %v", d.AudioIndex, d.Port, d.Formats, d.Media)
	}
}

func TestParseDetails(t *testing.T) {
	const head = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	t.Run("rtcp attribute with address", func(t *testing.T) {
		d, err := Parse([]byte(head + "m=audio 4000 RTP/AVP 0\r\na=rtcp:5111 IN IP4 192.0.2.9\r\n"))
		if err != nil || d.RTCPPort != 5111 {
			t.Fatalf("Parse = %+v, %v; want RTCP 5111", d, err)
		}
	})
	t.Run("rtpmap overrides static assignment and names are case-insensitive", func(t *testing.T) {
		d, err := Parse([]byte(head + "m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:8 pcma/8000\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Choose(d)
		if err != nil || c.Audio.PayloadType != 0 {
			t.Fatalf("Choose = %+v, %v", c, err)
		}
		if !d.Formats[1].Is("PCMA", 8000) {
			t.Errorf("format %+v is not PCMA/8000", d.Formats[1])
		}
	})
	t.Run("dynamic type without rtpmap stays unnamed", func(t *testing.T) {
		d, err := Parse([]byte(head + "m=audio 4000 RTP/AVP 100 0\r\n"))
		if err != nil || d.Formats[0] != (Format{PayloadType: 100}) {
			t.Fatalf("Parse = %+v, %v", d, err)
		}
	})
	t.Run("multicast ttl suffix is dropped", func(t *testing.T) {
		d, err := Parse([]byte("v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 233.252.0.1/127\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"))
		if err != nil || d.Addr != netip.MustParseAddr("233.252.0.1") {
			t.Fatalf("Parse = %+v, %v", d, err)
		}
	})
	t.Run("LF-only line endings are tolerated", func(t *testing.T) {
		d, err := Parse([]byte("v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0\n"))
		if err != nil || d.Port != 4000 {
			t.Fatalf("Parse = %+v, %v", d, err)
		}
	})
}

func TestParseRejectsMalformedInput(t *testing.T) {
	const head = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\n"
	tests := []struct {
		name string
		body string
		want error
	}{
		{"empty", "", ErrMalformed},
		{"not SDP", "hello world", ErrMalformed},
		{"SIP message", "INVITE sip:a@b SIP/2.0\r\n\r\n", ErrMalformed},
		{"no t= line", head + "c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n", ErrMalformed},
		{"port out of range", head + "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n", ErrMalformed},
		{"no m-line", head + "c=IN IP4 192.0.2.1\r\nt=0 0\r\n", ErrNoAudio},
		{"video only", head + "c=IN IP4 192.0.2.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\n", ErrNoAudio},
		{"no c= anywhere", head + "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", ErrBadAddress},
		{"hostname address", head + "c=IN IP4 media.example.com\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", ErrBadAddress},
		{"IPv6 address typed IP4", head + "c=IN IP4 2001:db8::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", ErrBadAddress},
		{"IPv4 address typed IP6", head + "c=IN IP6 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", ErrBadAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.body))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %+v, %v; want %v", d, err, tt.want)
			}
		})
	}
}
