package sdpneg

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// SuiteAES128SHA1_80 is the one SDES crypto suite the gateway speaks: AES-128 counter
// mode with an 80-bit HMAC-SHA1 tag (RFC 4568 §6.2.1), mandatory to implement.
const SuiteAES128SHA1_80 = "AES_CM_128_HMAC_SHA1_80"

// KeySaltLen is the inline key of SuiteAES128SHA1_80: a 16-byte master key followed by
// a 14-byte master salt (RFC 4568 §6.1).
const KeySaltLen = 30

// SRTP says what a leg does with SDES-SRTP offers.
type SRTP string

// The media.srtp settings.
const (
	SRTPOff      SRTP = "off"      // refuse RTP/SAVP offers (488)
	SRTPOptional SRTP = "optional" // SRTP when offered, plain RTP otherwise
	SRTPRequired SRTP = "required" // refuse plain RTP offers (488)
)

// Crypto is one a=crypto line (RFC 4568 §9.1) the gateway can use.
type Crypto struct {
	Tag   int
	Suite string
	Key   []byte // master key || master salt
}

// Attribute renders the line's value: "TAG SUITE inline:BASE64".
func (c Crypto) Attribute() string {
	return fmt.Sprintf("%d %s inline:%s", c.Tag, c.Suite, base64.StdEncoding.EncodeToString(c.Key))
}

// secureProto reports an SRTP profile (RFC 3711 §12: RTP/SAVP; RFC 5124: RTP/SAVPF).
func secureProto(proto string) bool {
	return strings.EqualFold(proto, "RTP/SAVP") || strings.EqualFold(proto, "RTP/SAVPF")
}

// Secure reports whether the audio stream is offered as SRTP.
func (d *Description) Secure() bool { return secureProto(d.Proto) }

// cryptos reads the usable a=crypto lines: the supported suite with a well-formed key
// and no MKI (the gateway never re-keys). Others are skipped, as RFC 4568 §7.1.1 lets an
// answerer pick among the offered lines.
func cryptos(attrs []sdp.Attribute) []Crypto {
	var out []Crypto
	for _, a := range attrs {
		if a.Key != "crypto" {
			continue
		}
		if c, ok := parseCrypto(a.Value); ok {
			out = append(out, c)
		}
	}
	return out
}

func parseCrypto(v string) (Crypto, bool) {
	fields := strings.Fields(v)
	if len(fields) < 3 {
		return Crypto{}, false
	}
	tag, err := strconv.ParseUint(fields[0], 10, 31) // RFC 4568 §9.1: 1*9DIGIT
	if err != nil || !strings.EqualFold(fields[1], SuiteAES128SHA1_80) {
		return Crypto{}, false
	}
	params, ok := strings.CutPrefix(fields[2], "inline:")
	if !ok || strings.Contains(params, ";") { // several keys: the gateway takes one
		return Crypto{}, false
	}
	keySalt, rest, _ := strings.Cut(params, "|")
	for part := range strings.SplitSeq(rest, "|") {
		if strings.Contains(part, ":") { // MKI:LENGTH
			return Crypto{}, false
		}
	}
	key, err := base64.StdEncoding.DecodeString(keySalt)
	if err != nil || len(key) != KeySaltLen {
		return Crypto{}, false
	}
	return Crypto{Tag: int(tag), Suite: SuiteAES128SHA1_80, Key: key}, true
}

// ChooseCrypto applies the SRTP policy to an offer: the offered crypto line to use (nil
// for plain RTP), or ErrSRTPPolicy / ErrNoCommonCrypto, which SIP answers 488.
func ChooseCrypto(offer *Description, policy SRTP) (*Crypto, error) {
	if !offer.Secure() {
		if policy == SRTPRequired {
			return nil, fmt.Errorf("choose crypto: plain RTP offered: %w", ErrSRTPPolicy)
		}
		return nil, nil
	}
	if policy == SRTPOff {
		return nil, fmt.Errorf("choose crypto: %s offered: %w", offer.Proto, ErrSRTPPolicy)
	}
	if len(offer.Crypto) == 0 {
		return nil, fmt.Errorf("choose crypto: %w", ErrNoCommonCrypto)
	}
	c := offer.Crypto[0]
	return &c, nil
}
