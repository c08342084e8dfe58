package sdpneg

import (
	"strconv"
	"strings"
)

// Format is one RTP payload format of an m= line with its rtpmap and fmtp resolved.
type Format struct {
	PayloadType uint8
	Name        string // encoding name as written, e.g. "PCMU", "telephone-event"
	ClockRate   uint32
	Channels    int
	Fmtp        string // format parameters, "" if none
}

// Is reports whether f is the encoding name/clock rate, comparing names without regard
// to case (RFC 4855 §3: media subtype names are case-insensitive).
func (f Format) Is(name string, clockRate uint32) bool {
	return strings.EqualFold(f.Name, name) && f.ClockRate == clockRate
}

// Encoding names and rates used by the gateway.
const (
	NamePCMU           = "PCMU"
	NamePCMA           = "PCMA"
	NameTelephoneEvent = "telephone-event"
	g711Rate           = 8000
)

// staticFormat returns the RFC 3551 §6 static assignment for audio payload types that
// callers commonly send without an rtpmap line.
func staticFormat(pt uint8) (Format, bool) {
	var name string
	rate := uint32(g711Rate)
	switch pt {
	case 0:
		name = NamePCMU
	case 3:
		name = "GSM"
	case 4:
		name = "G723"
	case 8:
		name = NamePCMA
	case 9:
		// RFC 3551 §4.5.2: G722's RTP clock rate is 8000 although it samples at 16 kHz.
		name = "G722"
	case 13:
		name = "CN"
	case 18:
		name = "G729"
	default:
		return Format{}, false
	}
	return Format{PayloadType: pt, Name: name, ClockRate: rate, Channels: 1}, true
}

// parseRTPMap reads the value of an a=rtpmap attribute:
// "<payload type> <encoding name>/<clock rate>[/<encoding parameters>]" (RFC 4566 §6).
func parseRTPMap(value string) (Format, bool) {
	ptStr, enc, ok := strings.Cut(strings.TrimSpace(value), " ")
	if !ok {
		return Format{}, false
	}
	pt, err := strconv.ParseUint(ptStr, 10, 7)
	if err != nil {
		return Format{}, false
	}
	parts := strings.Split(strings.TrimSpace(enc), "/")
	if len(parts) < 2 || parts[0] == "" {
		return Format{}, false
	}
	rate, err := strconv.ParseUint(parts[1], 10, 32)
	if err != nil {
		return Format{}, false
	}
	f := Format{PayloadType: uint8(pt), Name: parts[0], ClockRate: uint32(rate), Channels: 1}
	if len(parts) > 2 {
		ch, err := strconv.Atoi(parts[2])
		if err != nil || ch < 1 {
			return Format{}, false
		}
		f.Channels = ch
	}
	return f, true
}

// parseFmtp reads the value of an a=fmtp attribute: "<format> <parameters>".
func parseFmtp(value string) (uint8, string, bool) {
	ptStr, params, ok := strings.Cut(strings.TrimSpace(value), " ")
	if !ok {
		return 0, "", false
	}
	pt, err := strconv.ParseUint(ptStr, 10, 7)
	if err != nil {
		return 0, "", false
	}
	return uint8(pt), strings.TrimSpace(params), true
}
