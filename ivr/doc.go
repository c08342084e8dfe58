// Package ivr is the consent IVR: it plays the consent prompt to the caller on the
// caller's anchored media and listens for the caller's choice, by RFC 4733 telephone-event,
// SIP INFO or in-band tones, until a digit decides, the caller hangs up or time runs out.
// Silence is never consent: anything but an accept digit ends in a non-recording decision.
package ivr
