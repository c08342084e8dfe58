package sdpneg

import "strings"

// sdpText turns readable multi-line fixtures into CRLF-terminated SDP (RFC 4566 §5).
func sdpText(s string) []byte {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// Offers modelled on what real user agents send.
var (
	// SIPp's built-in uac scenario.
	offerSIPp = sdpText(`
		v=0
		o=user1 53655765 2353687637 IN IP4 127.0.1.1
		s=-
		c=IN IP4 127.0.1.1
		t=0 0
		m=audio 6000 RTP/AVP 0
		a=rtpmap:0 PCMU/8000`)

	// SIPp uac_pcap style: PCMA plus RFC 2833 events on 101.
	offerSIPpPCMA = sdpText(`
		v=0
		o=user1 53655765 2353687637 IN IP4 10.0.0.5
		s=-
		c=IN IP4 10.0.0.5
		t=0 0
		m=audio 6000 RTP/AVP 8 101
		a=rtpmap:8 PCMA/8000
		a=rtpmap:101 telephone-event/8000
		a=fmtp:101 0-11,16`)

	// Linphone: opus first, events at two rates, rtcp port, ptime.
	offerLinphone = sdpText(`
		v=0
		o=alice 2187 1234 IN IP4 192.168.1.20
		s=Talk
		c=IN IP4 192.168.1.20
		t=0 0
		a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics
		m=audio 7078 RTP/AVP 96 9 8 0 101 97
		a=rtpmap:96 opus/48000/2
		a=fmtp:96 useinbandfec=1
		a=rtpmap:101 telephone-event/48000
		a=rtpmap:97 telephone-event/8000
		a=rtcp:7079
		a=ptime:20`)

	// Asterisk-like: G722 and PCMA before PCMU, media-level c=, sendrecv at media level.
	offerAsterisk = sdpText(`
		v=0
		o=- 1947265911 1947265911 IN IP4 198.51.100.7
		s=Asterisk
		c=IN IP4 198.51.100.7
		t=0 0
		m=audio 17802 RTP/AVP 9 8 0 3 101
		c=IN IP4 203.0.113.9
		a=rtpmap:9 G722/8000
		a=rtpmap:8 PCMA/8000
		a=rtpmap:0 PCMU/8000
		a=rtpmap:3 GSM/8000
		a=rtpmap:101 telephone-event/8000
		a=fmtp:101 0-16
		a=ptime:20
		a=maxptime:140
		a=sendrecv`)

	offerIPv6 = sdpText(`
		v=0
		o=- 1 1 IN IP6 2001:db8::1
		s=-
		c=IN IP6 2001:db8::1
		t=0 0
		m=audio 30000 RTP/AVP 0 101
		a=rtpmap:101 telephone-event/8000`)

	offerNoG711 = sdpText(`
		v=0
		o=- 1 1 IN IP4 192.0.2.1
		s=-
		c=IN IP4 192.0.2.1
		t=0 0
		m=audio 4000 RTP/AVP 96 9 18 101
		a=rtpmap:96 opus/48000/2
		a=rtpmap:101 telephone-event/8000`)

	// Audio and video: the answer must keep both m-lines (RFC 3264 §6).
	offerAudioVideo = sdpText(`
		v=0
		o=- 5 6 IN IP4 192.0.2.44
		s=-
		c=IN IP4 192.0.2.44
		t=0 0
		m=video 5002 RTP/AVP 96
		a=rtpmap:96 H264/90000
		m=audio 5000 RTP/AVP 8 0
		a=sendonly`)
)
