package media

import (
	"fmt"
	"sync"

	"github.com/pion/srtp/v3"
)

// srtpKeyLen and srtpSaltLen split an AES_CM_128_HMAC_SHA1_80 inline key (RFC 4568 §6.1).
const (
	srtpKeyLen  = 16
	srtpSaltLen = 14
)

// srtpSession protects one leg's media (RFC 3711): packets from the peer are decrypted
// with the peer's key before any handler sees them, packets to the peer are encrypted with
// the gateway's key as they leave. Nothing but the socket sees ciphertext, and nothing
// but memory sees the plaintext.
type srtpSession struct {
	// The readers own rtpIn and rtcpIn (one goroutine each); the writers share the out
	// contexts, which keep per-SSRC rollover state, under mu.
	rtpIn, rtcpIn   *srtp.Context
	mu              sync.Mutex
	rtpOut, rtcpOut *srtp.Context
	rtpBuf, rtcpBuf []byte // encryption scratch, under mu
}

func newSRTPSession(remote, local []byte) (*srtpSession, error) {
	ctx := func(keySalt []byte) (*srtp.Context, error) {
		if len(keySalt) != srtpKeyLen+srtpSaltLen {
			return nil, fmt.Errorf("%w: SRTP key and salt are %d bytes, want %d", ErrSRTPKey, len(keySalt), srtpKeyLen+srtpSaltLen)
		}
		// RFC 3711 §3.3.2: replay protection with a 64-packet window at least.
		return srtp.CreateContext(keySalt[:srtpKeyLen], keySalt[srtpKeyLen:], srtp.ProtectionProfileAes128CmHmacSha1_80,
			srtp.SRTPReplayProtection(128), srtp.SRTCPReplayProtection(128))
	}
	s := &srtpSession{rtpBuf: make([]byte, 0, 1500), rtcpBuf: make([]byte, 0, 1500)}
	var err error
	if s.rtpIn, err = ctx(remote); err != nil {
		return nil, err
	}
	if s.rtcpIn, err = ctx(remote); err != nil {
		return nil, err
	}
	if s.rtpOut, err = ctx(local); err != nil {
		return nil, err
	}
	if s.rtcpOut, err = ctx(local); err != nil {
		return nil, err
	}
	return s, nil
}

// SetSRTP turns on SRTP for this leg with the peer's and the gateway's master key and
// salt (30 bytes each, AES_CM_128_HMAC_SHA1_80). Call it before Start.
func (e *Endpoint) SetSRTP(remote, local []byte) error {
	s, err := newSRTPSession(remote, local)
	if err != nil {
		return err
	}
	e.srtp = s
	return nil
}

// Encrypted reports whether the leg's media is SRTP.
func (e *Endpoint) Encrypted() bool { return e.srtp != nil }

// sendFunc writes a protected packet; a method value of the sending Endpoint, so
// protecting allocates no closure per packet.
type sendFunc func(s *udpSocket, b []byte, to *rawAddr) error

// protectRTP encrypts pkt and sends it on sock; the scratch buffer is reused.
func (s *srtpSession) protectRTP(pkt []byte, sock *udpSocket, to *rawAddr, write sendFunc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.rtpOut.EncryptRTP(s.rtpBuf[:0], pkt, nil)
	if err != nil {
		return fmt.Errorf("srtp encrypt: %w", err)
	}
	s.rtpBuf = out[:0]
	return write(sock, out, to)
}

func (s *srtpSession) protectRTCP(pkt []byte, sock *udpSocket, to *rawAddr, write sendFunc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.rtcpOut.EncryptRTCP(s.rtcpBuf[:0], pkt, nil)
	if err != nil {
		return fmt.Errorf("srtcp encrypt: %w", err)
	}
	s.rtcpBuf = out[:0]
	return write(sock, out, to)
}
