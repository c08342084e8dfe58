package media

import (
	"bytes"
	"testing"
)

// FuzzSRTPUnprotect feeds arbitrary datagrams to the SRTP and SRTCP decryption that runs
// before anything else on an SRTP leg: nothing may panic, and nothing unauthenticated may
// pass.
func FuzzSRTPUnprotect(f *testing.F) {
	key := bytes.Repeat([]byte{3}, srtpKeyLen+srtpSaltLen)
	s, err := newSRTPSession(key, key)
	if err != nil {
		f.Fatal(err)
	}
	var sealed []byte
	plain := append([]byte{0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0x12, 0x34}, make([]byte, 160)...)
	_ = s.protectRTP(plain, nil, nil, func(_ *udpSocket, b []byte, _ *rawAddr) error { sealed = append([]byte(nil), b...); return nil })
	f.Add(sealed)
	f.Add(plain)
	f.Add([]byte{0x81, 0xc8, 0x00, 0x06, 0, 0, 0x12, 0x34})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := newSRTPSession(key, key)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = in.rtpIn.DecryptRTP(nil, data, nil)
		_, _ = in.rtcpIn.DecryptRTCP(nil, data, nil)
	})
}
