package g711

// Decode decodes min(len(dst), len(src)) codes from src into dst and returns
// that count.
func (l Law) Decode(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	t := &decodeTables[l]
	dst, src = dst[:n], src[:n]
	for i, b := range src {
		dst[i] = t[b]
	}
	return n
}

// Encode encodes min(len(dst), len(src)) samples from src into dst and
// returns that count.
func (l Law) Encode(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	switch l {
	case ULaw:
		for i, s := range src {
			dst[i] = ulawCodes[uint16(s)>>ulawShift]
		}
	case ALaw:
		for i, s := range src {
			dst[i] = alawCodes[uint16(s)>>alawShift]
		}
	default:
		panic("g711: invalid " + l.String())
	}
	return n
}

// DecodeSample decodes one code.
func (l Law) DecodeSample(b byte) int16 {
	return decodeTables[l][b]
}

// EncodeSample encodes one sample.
func (l Law) EncodeSample(s int16) byte {
	switch l {
	case ULaw:
		return ulawCodes[uint16(s)>>ulawShift]
	case ALaw:
		return alawCodes[uint16(s)>>alawShift]
	}
	panic("g711: invalid " + l.String())
}
