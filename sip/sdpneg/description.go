package sdpneg

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Description is what the gateway needs from a peer's SDP: its audio stream.
type Description struct {
	SessionID, SessionVersion uint64

	Addr     netip.Addr // connection address of the audio stream (media-level c= wins over session-level)
	Port     uint16     // m=audio port; 0 = stream rejected
	RTCPPort uint16     // a=rtcp if present (RFC 3605), else Port+1
	Proto    string     // "RTP/AVP"; others (e.g. "UDP/TLS/RTP/SAVPF") are parsed as written
	Formats  []Format   // in m= line order, rtpmap resolved; static payload types known
	// Direction is the media-level attribute, else the session-level one, else sendrecv
	// (RFC 3264 §5.1).
	Direction Direction
	Ptime     int // ms, 0 if absent
	// Crypto lists the usable SDES lines of an SRTP stream, in offer order (RFC 4568).
	Crypto []Crypto

	// Media lists every m= line in order and AudioIndex the one described above, so an
	// answer can reject the others in place (RFC 3264 §6: same m-lines, same order).
	Media      []MediaLine
	AudioIndex int
}

// MediaLine is one m= line, as much as an answer needs to reject it.
type MediaLine struct {
	Media   string // "audio", "video", ...
	Port    uint16
	Proto   string
	Formats []string
}

// Parse reads the first usable audio stream of an SDP body. It prefers the first m=audio
// line with a non-zero port and falls back to the first m=audio line.
func Parse(body []byte) (*Description, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		// pion accepts an empty body as an empty description; a SIP body must have v=.
		return nil, fmt.Errorf("parse SDP: %w: empty body", ErrMalformed)
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err != nil {
		return nil, fmt.Errorf("parse SDP: %w: %w", ErrMalformed, err)
	}
	d := &Description{
		SessionID:      sd.Origin.SessionID,
		SessionVersion: sd.Origin.SessionVersion,
		AudioIndex:     -1,
	}
	for i, md := range sd.MediaDescriptions {
		d.Media = append(d.Media, MediaLine{
			Media:   md.MediaName.Media,
			Port:    uint16(md.MediaName.Port.Value), // pion rejects ports outside 0..65535
			Proto:   strings.Join(md.MediaName.Protos, "/"),
			Formats: md.MediaName.Formats,
		})
		if md.MediaName.Media != "audio" {
			continue
		}
		if d.AudioIndex < 0 || (d.Media[d.AudioIndex].Port == 0 && md.MediaName.Port.Value != 0) {
			d.AudioIndex = i
		}
	}
	if d.AudioIndex < 0 {
		return nil, fmt.Errorf("parse SDP: %w", ErrNoAudio)
	}
	md := sd.MediaDescriptions[d.AudioIndex]
	line := d.Media[d.AudioIndex]
	d.Port, d.Proto = line.Port, line.Proto

	conn := md.ConnectionInformation
	if conn == nil {
		conn = sd.ConnectionInformation
	}
	addr, err := connectionAddr(conn)
	switch {
	case err == nil:
		d.Addr = addr
	case d.Port != 0:
		// A rejected stream needs no address; a live one does (RFC 4566 §5.7).
		return nil, fmt.Errorf("parse SDP audio connection: %w", err)
	}

	d.Formats = formats(line.Formats, md.Attributes)
	d.RTCPPort = rtcpPort(md, d.Port)
	d.Direction = direction(md.Attributes, sd.Attributes)
	d.Ptime = ptime(md.Attributes, sd.Attributes)
	if d.Secure() {
		d.Crypto = cryptos(md.Attributes)
	}
	return d, nil
}

// OnHold reports whether the peer put the stream on hold: sendonly or inactive
// (RFC 3264 §8.4), or the legacy RFC 2543 form with a zero connection address.
func (d *Description) OnHold() bool {
	return d.Direction == SendOnly || d.Direction == Inactive ||
		(d.Addr.IsValid() && d.Addr.IsUnspecified())
}

// connectionAddr returns the unicast address of a c= line; "/ttl" and "/range" suffixes
// of multicast addresses (RFC 4566 §5.7) are dropped. FQDNs are refused: the relay needs
// an address to send to without a resolver on the media path.
func connectionAddr(c *sdp.ConnectionInformation) (netip.Addr, error) {
	if c == nil || c.Address == nil {
		return netip.Addr{}, fmt.Errorf("%w: no c= line", ErrBadAddress)
	}
	raw, _, _ := strings.Cut(c.Address.Address, "/")
	addr, err := netip.ParseAddr(raw)
	if err != nil || addr.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%w: %q is not an IP address", ErrBadAddress, raw)
	}
	addr = addr.Unmap()
	if (c.AddressType == "IP4") != addr.Is4() {
		return netip.Addr{}, fmt.Errorf("%w: %q is not %s", ErrBadAddress, raw, c.AddressType)
	}
	return addr, nil
}

func formats(fmts []string, attrs []sdp.Attribute) []Format {
	maps := map[uint8]Format{}
	params := map[uint8]string{}
	for _, a := range attrs {
		switch a.Key {
		case "rtpmap":
			if f, ok := parseRTPMap(a.Value); ok {
				if _, dup := maps[f.PayloadType]; !dup {
					maps[f.PayloadType] = f
				}
			}
		case "fmtp":
			if pt, p, ok := parseFmtp(a.Value); ok {
				if _, dup := params[pt]; !dup {
					params[pt] = p
				}
			}
		}
	}
	out := make([]Format, 0, len(fmts))
	for _, s := range fmts {
		n, err := strconv.ParseUint(s, 10, 7)
		if err != nil {
			continue // not an RTP payload type; nothing to negotiate
		}
		pt := uint8(n)
		f, ok := maps[pt]
		if !ok {
			f, ok = staticFormat(pt)
		}
		if !ok {
			f = Format{PayloadType: pt} // dynamic type without rtpmap: unknown encoding
		}
		f.Fmtp = params[pt]
		out = append(out, f)
	}
	return out
}

// rtcpPort follows RFC 3605 §2.1: a=rtcp:<port> [address]; otherwise RTP port + 1
// (RFC 3550 §11).
func rtcpPort(md *sdp.MediaDescription, port uint16) uint16 {
	if v, ok := md.Attribute("rtcp"); ok {
		first, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if n, err := strconv.ParseUint(first, 10, 16); err == nil && n > 0 {
			return uint16(n)
		}
	}
	if port == 0 || port == 65535 {
		return 0
	}
	return port + 1
}

func direction(media, session []sdp.Attribute) Direction {
	for _, attrs := range [][]sdp.Attribute{media, session} {
		for _, a := range attrs {
			if d, ok := parseDirection(a.Key); ok {
				return d
			}
		}
	}
	return SendRecv
}

// ptime is a media-level attribute (RFC 4566 §6) but some agents write it at session
// level; fractional values are truncated.
func ptime(media, session []sdp.Attribute) int {
	for _, attrs := range [][]sdp.Attribute{media, session} {
		for _, a := range attrs {
			if a.Key != "ptime" {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
			if err != nil || v < 1 || v > 1000 {
				return 0
			}
			return int(v)
		}
	}
	return 0
}
