package sdpneg

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

var testKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, KeySaltLen))

func savpOffer(cryptoLines ...string) string {
	s := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=audio 30000 RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
	for _, c := range cryptoLines {
		s += "a=crypto:" + c + "\r\n"
	}
	return s
}

func TestChooseCryptoFollowsThePolicy(t *testing.T) {
	plain := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n"
	tests := []struct {
		name   string
		sdp    string
		policy SRTP
		tag    int // 0 = plain RTP
		err    error
	}{
		{"plain offer, optional", plain, SRTPOptional, 0, nil},
		{"plain offer, required", plain, SRTPRequired, 0, ErrSRTPPolicy},
		{"srtp offer, off", savpOffer("1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey), SRTPOff, 0, ErrSRTPPolicy},
		{"srtp offer, optional", savpOffer("1 AES_CM_128_HMAC_SHA1_80 inline:" + testKey), SRTPOptional, 1, nil},
		{"first usable line wins", savpOffer("1 AES_256_CM_HMAC_SHA1_80 inline:"+testKey, "2 AES_CM_128_HMAC_SHA1_80 inline:"+testKey+"|2^20|1:4", "3 AES_CM_128_HMAC_SHA1_80 inline:"+testKey+"|2^31"), SRTPRequired, 3, nil},
		{"only unsupported suites", savpOffer("1 AES_CM_128_HMAC_SHA1_32 inline:" + testKey), SRTPOptional, 0, ErrNoCommonCrypto},
		{"short key", savpOffer("1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ="), SRTPOptional, 0, ErrNoCommonCrypto},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.sdp))
			if err != nil {
				t.Fatal(err)
			}
			c, err := ChooseCrypto(d, tt.policy)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			switch {
			case tt.tag == 0 && c != nil:
				t.Fatalf("chose %+v, want plain RTP", c)
			case tt.tag != 0 && (c == nil || c.Tag != tt.tag || len(c.Key) != KeySaltLen):
				t.Fatalf("chose %+v, want tag %d", c, tt.tag)
			}
		})
	}
}

func TestLocalWithCryptoIsSAVPAndParsesBack(t *testing.T) {
	offer, err := Parse([]byte(savpOffer("5 AES_CM_128_HMAC_SHA1_80 inline:" + testKey)))
	if err != nil {
		t.Fatal(err)
	}
	choice, _ := Choose(offer)
	key := bytes.Repeat([]byte{9}, KeySaltLen)
	body, err := Local{Addr: offer.Addr, Port: 40000, Choice: choice, Crypto: &Crypto{Tag: 5, Suite: SuiteAES128SHA1_80, Key: key}, AnswerTo: offer}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "m=audio 40000 RTP/SAVP 0 101") {
		t.Fatalf("answer is not RTP/SAVP:\n%s", body)
	}
	back, err := Parse(body)
	if err != nil || len(back.Crypto) != 1 || back.Crypto[0].Tag != 5 || !bytes.Equal(back.Crypto[0].Key, key) {
		t.Fatalf("answer parses back as %+v (%v):\n%s", back.Crypto, err, body)
	}
}
