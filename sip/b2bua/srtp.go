package b2bua

import (
	"crypto/rand"
	"fmt"

	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
)

// protect turns on SDES-SRTP (RFC 4568) on a leg whose peer offered the crypto line
// peer: a fresh master key and salt of the gateway's own for what it sends, the peer's
// for what it receives. It returns the gateway's line for the answer, nil for plain RTP.
func protect(ep *media.Endpoint, peer *sdpneg.Crypto) (*sdpneg.Crypto, error) {
	if peer == nil {
		return nil, nil
	}
	key := make([]byte, sdpneg.KeySaltLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generating an SRTP key: %w", err)
	}
	if err := ep.SetSRTP(peer.Key, key); err != nil {
		return nil, err
	}
	// RFC 4568 §7.1.2: the answer's line carries the tag of the offered line it accepts.
	return &sdpneg.Crypto{Tag: peer.Tag, Suite: peer.Suite, Key: key}, nil
}
