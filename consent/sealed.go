package consent

// SealedStream describes one party's encrypted channel of a recording, as the recording's
// metadata carries it in clear: whose it is (pseudonyms only), which key opens it and
// where it lies in the recording object (whose sha256 the metadata gives; each chunk of
// the stream is authenticated by its key).
type SealedStream struct {
	// Party is caller or agent.
	Party    string       `json:"party"`
	Subjects []SubjectRef `json:"subjects,omitempty"`
	// Key is the key store's name of the party's key ("" in public-key mode) and KeyID
	// the key of it the stream is encrypted to.
	Key        string   `json:"key,omitempty"`
	KeyID      string   `json:"kid,omitempty"`
	Recipients []string `json:"recipients"` // age1… public keys
	Offset     int64    `json:"offset"`
	Size       int64    `json:"size"`
	Frames     int64    `json:"frames"` // samples of the channel, 8000 a second
}
