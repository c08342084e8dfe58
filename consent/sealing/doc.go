// Package sealing is consentgw's encryption at rest, in age (filippo.io/age,
// https://age-encryption.org/v1): the format of a sealed recording, the parties' keys and
// how they are named, wrapped and identified, and sealed text (a receipt's Call-ID).
//
// Every recording's channel belongs to one party of the call (the caller: tel and/or
// customer; the agent: agent) and is encrypted to that party's key alone, an age X25519
// key pair kept by a key store (consent/keystore) wrapped by a key-encryption key. An
// erase destroys the party keys that name the subject, so every copy of the subject's
// audio, wherever it went, stays unreadable, while the other party's channel of the same
// calls stays readable with its own key.
package sealing
