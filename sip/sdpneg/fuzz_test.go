package sdpneg

import (
	"net/netip"
	"testing"
)

// FuzzParse checks that no input panics Parse, and that whatever parses can be answered.
// Run bounded: go test -run=^$ -fuzz=FuzzParse -fuzztime=30s ./sip/sdpneg
func FuzzParse(f *testing.F) {
	for _, seed := range [][]byte{
		offerSIPp, offerSIPpPCMA, offerLinphone, offerAsterisk, offerIPv6, offerNoG711, offerAudioVideo,
		[]byte(savpOffer("1 AES_CM_128_HMAC_SHA1_80 inline:"+testKey+"|2^31", "2 AES_CM_128_HMAC_SHA1_80 inline:x|1:4")),
		nil, []byte("v=0\r\n"), []byte("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP\r\n"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Parse(body)
		if err != nil {
			return
		}
		_ = d.OnHold()
		c, err := Choose(d)
		if err != nil {
			return
		}
		l := Local{Addr: netip.MustParseAddr("192.0.2.1"), Port: 20000, Choice: c,
			Direction: AnswerDirection(d.Direction), AnswerTo: d}
		if cr, err := ChooseCrypto(d, SRTPOptional); err == nil && cr != nil {
			l.Crypto = cr // the answer names the same key length and suite
		}
		b, err := l.Marshal()
		if err != nil {
			t.Fatalf("Marshal answer to parsed offer: %v", err)
		}
		if _, err := Parse(b); err != nil {
			t.Fatalf("Parse own answer: %v\n%s", err, b)
		}
	})
}
