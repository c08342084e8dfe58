package sdpneg

import "fmt"

// Choice is the codec set the gateway uses on a call leg.
type Choice struct {
	Audio          Format
	TelephoneEvent *Format // RFC 4733 events, nil if the peer did not offer them
}

// Choose picks the audio codec for a call: the offer's first PCMU or PCMA format in offer
// order (RFC 3264 §6.1: the answerer should keep the offerer's preference), plus
// telephone-event/8000 under whatever payload type the offer gave it. Events at other
// rates (e.g. /48000 for opus) cannot accompany 8 kHz audio (RFC 4733 §2.5.1.1).
func Choose(offer *Description) (Choice, error) {
	var c Choice
	if offer == nil {
		return c, fmt.Errorf("choose codec: %w", ErrNoCommonCodec)
	}
	found := false
	for _, f := range offer.Formats {
		if !found && (f.Is(NamePCMU, g711Rate) || f.Is(NamePCMA, g711Rate)) && f.Channels <= 1 {
			c.Audio, found = f, true
		}
		if c.TelephoneEvent == nil && f.Is(NameTelephoneEvent, g711Rate) {
			te := f
			c.TelephoneEvent = &te
		}
	}
	if !found {
		return Choice{}, fmt.Errorf("choose codec among %d offered: %w", len(offer.Formats), ErrNoCommonCodec)
	}
	return c, nil
}
