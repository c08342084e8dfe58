package rights

import (
	"encoding/json"
	"time"
)

// ManifestFormat names the layout of an export bundle.
const ManifestFormat = "consentgw-export/1"

// Manifest is manifest.json in an export bundle: the request, the Art. 15 GDPR
// information, and the subject's receipts and recordings' metadata as stored.
type Manifest struct {
	Format    string          `json:"format"`
	Request   ManifestRequest `json:"request"`
	CreatedAt time.Time       `json:"created_at"`
	Gateway   string          `json:"gateway"`
	// Art. 15(1) GDPR: purposes, recipients, storage period, source.
	Purpose    string   `json:"purpose"`
	Recipients []string `json:"recipients"`
	Retention  string   `json:"retention"`
	Source     string   `json:"source"`
	// Receipts are the consent receipts of the subject's calls (SPEC §5).
	Receipts []json.RawMessage `json:"receipts"`
	// ReceiptSignatures are the receipts' signatures as stored, by receipt id: each covers
	// its receipt's JSON without insignificant whitespace (consentgw verify checks them).
	ReceiptSignatures map[string]string `json:"receipt_signatures,omitempty"`
	// Recordings are the recordings' metadata, each with its WAV file in the bundle, or,
	// for a sealed recording, the subject's own channels.
	Recordings []ManifestRecording `json:"recordings"`
	// CallIDs are the raw Call-IDs of the subject's calls as caller, by receipt id: the
	// receipts keep them encrypted to the caller's key (sip_call_id_sealed).
	CallIDs map[string]string `json:"call_ids,omitempty"`
}

// ManifestRequest is the request an export answers. The subject appears by type and
// pseudonymous key: the requester knows the value.
type ManifestRequest struct {
	RequestID   string `json:"request_id"`
	RequestedBy string `json:"requested_by,omitempty"`
	SubjectType string `json:"subject_type"`
	SubjectKey  string `json:"subject_key"`
}

// ManifestRecording is one recording: its file in the bundle (a plain stereo WAV) or its
// channels (a sealed recording), and its stored metadata.
type ManifestRecording struct {
	File     string            `json:"file,omitempty"`
	Size     int64             `json:"size,omitempty"`
	Channels []ManifestChannel `json:"channels,omitempty"`
	Metadata json.RawMessage   `json:"metadata,omitempty"`
}

// ManifestChannel is one party's channel of a sealed recording: its file in the bundle, or
// why the bundle leaves it out (another person's audio; a destroyed key).
type ManifestChannel struct {
	Party string `json:"party"`
	File  string `json:"file,omitempty"`
	Size  int64  `json:"size,omitempty"`
	// Encrypted is set for a stream exported as stored, encrypted to Recipients
	// (public-key mode): `age -d -i IDENTITY FILE` turns it into the channel's PCM.
	Encrypted  bool     `json:"encrypted,omitempty"`
	Recipients []string `json:"recipients,omitempty"`
	Withheld   string   `json:"withheld,omitempty"`
}

const manifestSource = "SIP signalling of the calls (caller number, CRM customer id, agent) and the calls' audio, recorded by the gateway after the caller's consent"
