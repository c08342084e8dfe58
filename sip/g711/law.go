// Package g711 is the ITU-T G.711 codec (µ-law PCMU and A-law PCMA) between
// 8-bit codes and 16-bit linear samples.
//
// Decoding uses a 256-entry table per law. Encoding uses a table indexed by
// the bits of the sample that G.711 actually looks at (14 bits for µ-law,
// 13 bits for A-law), so a sample costs one shift and one load. The tables
// are computed once at package initialisation and never written afterwards.
package g711

import (
	"fmt"
	"strings"
)

// Law is a G.711 companding law.
//
// Only ULaw and ALaw are valid: the codec methods index per-law tables and
// panic on any other value, which can only come from a programming error
// (LawFromPayloadType and LawFromName never return one).
type Law uint8

const (
	// ULaw is µ-law, SDP encoding name PCMU, RTP static payload type 0
	// (RFC 3551 §4.5.14, table 4).
	ULaw Law = iota
	// ALaw is A-law, SDP encoding name PCMA, RTP static payload type 8.
	ALaw
)

// RTP static payload types (RFC 3551 table 4).
const (
	payloadTypePCMU = 0
	payloadTypePCMA = 8
)

// PayloadType returns the RTP static payload type of the law.
func (l Law) PayloadType() uint8 {
	if l == ALaw {
		return payloadTypePCMA
	}
	return payloadTypePCMU
}

// String returns the SDP encoding name, "PCMU" or "PCMA".
func (l Law) String() string {
	switch l {
	case ULaw:
		return "PCMU"
	case ALaw:
		return "PCMA"
	}
	return fmt.Sprintf("Law(%d)", uint8(l))
}

// LawFromPayloadType returns the law of an RTP static payload type (0 or 8).
func LawFromPayloadType(pt uint8) (Law, bool) {
	switch pt {
	case payloadTypePCMU:
		return ULaw, true
	case payloadTypePCMA:
		return ALaw, true
	}
	return 0, false
}

// LawFromName returns the law of an SDP encoding name; RFC 4566 §6 makes
// encoding names case-insensitive.
func LawFromName(name string) (Law, bool) {
	switch {
	case strings.EqualFold(name, "PCMU"):
		return ULaw, true
	case strings.EqualFold(name, "PCMA"):
		return ALaw, true
	}
	return 0, false
}

// Silence returns the code of a zero sample: 0xFF for µ-law (positive zero),
// 0xD5 for A-law (the smallest positive step, +8).
func (l Law) Silence() byte {
	return silences[l]
}
