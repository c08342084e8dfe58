package sdpneg

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// DefaultPtime is the packetization the gateway sends: 20 ms, 160 G.711 samples.
const DefaultPtime = 20

// telephoneEventFmtp announces DTMF 0-9, *, #, A-D and flash (RFC 4733 §3.2).
const telephoneEventFmtp = "0-16"

const sessionName = "consentgw"

// Local is what the gateway puts in its own offer or answer.
type Local struct {
	SessionID, SessionVersion uint64
	Addr                      netip.Addr
	Port                      uint16 // 0 rejects the audio stream
	Choice                    Choice
	Direction                 Direction // "" = sendrecv
	Ptime                     int       // ms; 0 = DefaultPtime
	// Crypto, when set, makes the stream RTP/SAVP with this SDES line: the key the
	// gateway encrypts with (RFC 4568 §6.1: each side sends its own).
	Crypto *Crypto

	// AnswerTo, when answering, is the offer: its other m-lines are copied with port 0 so
	// the answer has the same m-lines in the same order (RFC 3264 §6). Nil for an offer.
	AnswerTo *Description
}

// Marshal renders the description with pion's marshaller.
func (l Local) Marshal() ([]byte, error) {
	if !l.Addr.IsValid() {
		return nil, fmt.Errorf("marshal SDP: %w: no address", ErrBadLocal)
	}
	if l.Choice.Audio.Name == "" {
		return nil, fmt.Errorf("marshal SDP: %w: no audio codec", ErrBadLocal)
	}
	addr := l.Addr.Unmap()
	addrType := "IP4"
	if addr.Is6() {
		addrType = "IP6"
	}
	sd := sdp.SessionDescription{
		Origin: sdp.Origin{
			Username:       sessionName,
			SessionID:      l.SessionID,
			SessionVersion: l.SessionVersion,
			NetworkType:    "IN",
			AddressType:    addrType,
			UnicastAddress: addr.String(),
		},
		SessionName: sessionName,
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN",
			AddressType: addrType,
			Address:     &sdp.Address{Address: addr.String()},
		},
		TimeDescriptions: []sdp.TimeDescription{{}}, // t=0 0: unbounded session (RFC 4566 §5.9)
	}
	audio := l.audio()
	if l.AnswerTo == nil || l.AnswerTo.AudioIndex < 0 || l.AnswerTo.AudioIndex >= len(l.AnswerTo.Media) {
		sd.MediaDescriptions = []*sdp.MediaDescription{audio}
	} else {
		for i, m := range l.AnswerTo.Media {
			if i == l.AnswerTo.AudioIndex {
				sd.MediaDescriptions = append(sd.MediaDescriptions, audio)
				continue
			}
			sd.MediaDescriptions = append(sd.MediaDescriptions, rejected(m))
		}
	}
	b, err := sd.Marshal()
	if err != nil {
		return nil, fmt.Errorf("marshal SDP: %w", err)
	}
	return b, nil
}

func (l Local) audio() *sdp.MediaDescription {
	a := l.Choice.Audio
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{
			Media:   "audio",
			Port:    sdp.RangedPort{Value: int(l.Port)},
			Protos:  []string{"RTP", "AVP"},
			Formats: []string{strconv.Itoa(int(a.PayloadType))},
		},
	}
	if l.Crypto != nil {
		md.MediaName.Protos = []string{"RTP", "SAVP"}
		md.Attributes = append(md.Attributes, sdp.NewAttribute("crypto", l.Crypto.Attribute()))
	}
	md.Attributes = append(md.Attributes, sdp.NewAttribute("rtpmap", rtpmap(a)))
	if a.Fmtp != "" {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("fmtp", fmt.Sprintf("%d %s", a.PayloadType, a.Fmtp)))
	}
	if te := l.Choice.TelephoneEvent; te != nil {
		md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(int(te.PayloadType)))
		md.Attributes = append(md.Attributes,
			sdp.NewAttribute("rtpmap", rtpmap(*te)),
			sdp.NewAttribute("fmtp", fmt.Sprintf("%d %s", te.PayloadType, telephoneEventFmtp)))
	}
	ptime := l.Ptime
	if ptime <= 0 {
		ptime = DefaultPtime
	}
	dir := l.Direction
	if dir == "" {
		dir = SendRecv
	}
	md.Attributes = append(md.Attributes,
		sdp.NewAttribute("ptime", strconv.Itoa(ptime)),
		sdp.NewPropertyAttribute(string(dir)))
	return md
}

func rtpmap(f Format) string {
	s := fmt.Sprintf("%d %s/%d", f.PayloadType, f.Name, f.ClockRate)
	if f.Channels > 1 {
		s += "/" + strconv.Itoa(f.Channels)
	}
	return s
}

// rejected mirrors an offered m-line with port 0 (RFC 3264 §6: a rejected stream keeps
// at least one of the offered formats).
func rejected(m MediaLine) *sdp.MediaDescription {
	formats := m.Formats
	if len(formats) == 0 {
		formats = []string{"0"}
	}
	proto := m.Proto
	if proto == "" {
		proto = "RTP/AVP"
	}
	return &sdp.MediaDescription{MediaName: sdp.MediaName{
		Media:   m.Media,
		Port:    sdp.RangedPort{Value: 0},
		Protos:  strings.Split(proto, "/"),
		Formats: formats,
	}}
}
