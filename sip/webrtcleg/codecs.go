package webrtcleg

import (
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"

	"github.com/consentgw/consentgw/sip/sdpneg"
)

// mediaEngine knows only the codec the gateway chose for the call, under the payload
// types the browser offered, so the answer cannot pick anything the relay would have to
// transcode, and packets keep their payload type end to end.
func mediaEngine(c sdpneg.Choice) (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	audio := webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeType(c.Audio.Name), ClockRate: c.Audio.ClockRate, Channels: 1, SDPFmtpLine: c.Audio.Fmtp},
		PayloadType:        webrtc.PayloadType(c.Audio.PayloadType),
	}
	if err := m.RegisterCodec(audio, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("webrtcleg: register %s: %w", c.Audio.Name, err)
	}
	if te := c.TelephoneEvent; te != nil {
		event := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/" + sdpneg.NameTelephoneEvent, ClockRate: te.ClockRate, SDPFmtpLine: te.Fmtp},
			PayloadType:        webrtc.PayloadType(te.PayloadType),
		}
		if err := m.RegisterCodec(event, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("webrtcleg: register telephone-event: %w", err)
		}
	}
	return m, nil
}

func mimeType(name string) string {
	switch strings.ToUpper(name) {
	case sdpneg.NamePCMU:
		return webrtc.MimeTypePCMU
	case sdpneg.NamePCMA:
		return webrtc.MimeTypePCMA
	}
	return "audio/" + name
}
