package media

import (
	"fmt"

	"github.com/pion/rtp"
)

// ParsePacket reads the RTP header of pkt into h (reusing its slices, so the common packet
// without CSRCs or extensions costs no allocation) and returns the payload without padding.
// RFC 3550 §5.1: the last octet of a padded packet counts the padding octets, itself included.
func ParsePacket(pkt []byte, h *rtp.Header) ([]byte, error) {
	n, err := h.Unmarshal(pkt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotRTP, err)
	}
	if h.Version != 2 {
		return nil, fmt.Errorf("%w: version %d", ErrNotRTP, h.Version)
	}
	end := len(pkt)
	if h.Padding {
		pad := int(pkt[end-1])
		if pad == 0 || pad > end-n {
			return nil, fmt.Errorf("%w: padding %d exceeds payload", ErrNotRTP, pad)
		}
		end -= pad
	}
	return pkt[n:end], nil
}

// IsRTCP tells RTCP from RTP on a shared port by the packet type octet (RFC 5761 §4):
// RTCP types 192..223 collide with no RTP payload type we negotiate.
func IsRTCP(pkt []byte) bool {
	return len(pkt) >= 2 && pkt[1] >= 192 && pkt[1] <= 223
}
