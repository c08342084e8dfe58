package sealing

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// Format names the layout of a sealed recording object: the caller's age stream followed
// by the agent's. Each stream is an age file (X25519 recipients, STREAM payload) whose
// plaintext is the party's channel as mono PCM: 8000 Hz, 16-bit signed little-endian
// samples, no header. The recording's metadata gives each stream's offset and size.
const Format = "consentgw-sealed/1"

// The parties of a call, in the order of their streams.
const (
	PartyCaller = "caller"
	PartyAgent  = "agent"
)

const (
	// SampleRate of each stream's PCM.
	SampleRate = 8000
	// SampleBytes: 16-bit little-endian signed samples.
	SampleBytes = 2
	// ChunkBytes is age's STREAM chunk of plaintext. A chunk reaches the file only once
	// it is full, and a repair keeps only whole chunks.
	ChunkBytes = 64 << 10
	// ChunkDuration is the audio one chunk of a stream holds (4.096 s): what a gateway
	// killed mid-call loses of a stream at most, beyond what the recorder had not yet
	// handed on.
	ChunkDuration = ChunkBytes / SampleBytes * time.Second / SampleRate
)

// OpenStream returns the PCM of one sealed stream, decrypted with whichever of ids its
// header was encrypted to. Every chunk is authenticated before its audio is returned.
func OpenStream(src io.Reader, ids ...age.Identity) (io.Reader, error) {
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		return nil, fmt.Errorf("opening sealed stream: %w", err)
	}
	return r, nil
}

// Seal encrypts a short secret (a file key, a wrapped identity) to recipients, as a
// binary age file.
func Seal(secret []byte, recipients ...age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(secret); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxSecret bounds what Open reads: secrets are identities and file keys.
const maxSecret = 4 << 10

// Open decrypts what Seal sealed.
func Open(sealed []byte, ids ...age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(sealed), ids...)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, maxSecret))
}

// SealText encrypts text to recipients as an ASCII-armored age file (PEM-like, "-----BEGIN
// AGE ENCRYPTED FILE-----"): what a receipt keeps of its Call-ID. `age -d -i KEY` reads it.
func SealText(text string, recipients ...age.Recipient) (string, error) {
	var buf strings.Builder
	a := armor.NewWriter(&buf)
	w, err := age.Encrypt(a, recipients...)
	if err != nil {
		return "", fmt.Errorf("sealing text: %w", err)
	}
	if _, err := io.WriteString(w, text); err != nil {
		return "", fmt.Errorf("sealing text: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("sealing text: %w", err)
	}
	if err := a.Close(); err != nil {
		return "", fmt.Errorf("sealing text: %w", err)
	}
	return buf.String(), nil
}

// OpenText decrypts what SealText sealed.
func OpenText(sealed string, ids ...age.Identity) (string, error) {
	r, err := age.Decrypt(armor.NewReader(strings.NewReader(sealed)), ids...)
	if err != nil {
		return "", fmt.Errorf("opening sealed text: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(r, maxSecret))
	if err != nil {
		return "", fmt.Errorf("opening sealed text: %w", err)
	}
	return string(b), nil
}
