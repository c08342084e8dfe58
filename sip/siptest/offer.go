package siptest

import (
	"fmt"
	"strings"
)

// Formats an offer may list, as "PT name/rate" (RFC 3551 table 4; dynamic types as the
// tests' peers number them).
const (
	PCMU           = "0 PCMU/8000"
	PCMA           = "8 PCMA/8000"
	G722           = "9 G722/8000"
	Opus           = "111 opus/48000/2"
	TelephoneEvent = "101 telephone-event/8000"
)

// Offer writes an audio SDP from 127.0.0.1:port with the given formats and an optional
// direction attribute (sendonly, recvonly, inactive).
func Offer(port int, dir string, formats ...string) string {
	var pts []string
	var attrs strings.Builder
	for _, f := range formats {
		pt, rtpmap, _ := strings.Cut(f, " ")
		pts = append(pts, pt)
		fmt.Fprintf(&attrs, "a=rtpmap:%s %s\r\n", pt, rtpmap)
	}
	if dir != "" {
		fmt.Fprintf(&attrs, "a=%s\r\n", dir)
	}
	return "v=0\r\n" +
		"o=peer 1 1 IN IP4 127.0.0.1\r\n" +
		"s=-\r\n" +
		"c=IN IP4 127.0.0.1\r\n" +
		"t=0 0\r\n" +
		fmt.Sprintf("m=audio %d RTP/AVP %s\r\n", port, strings.Join(pts, " ")) +
		attrs.String()
}
