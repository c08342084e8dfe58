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
	// Recordings are the recordings' metadata, each with its WAV file in the bundle.
	Recordings []ManifestRecording `json:"recordings"`
}

// ManifestRequest is the request an export answers. The subject appears by type and
// pseudonymous key: the requester knows the value.
type ManifestRequest struct {
	RequestID   string `json:"request_id"`
	RequestedBy string `json:"requested_by,omitempty"`
	SubjectType string `json:"subject_type"`
	SubjectKey  string `json:"subject_key"`
}

// ManifestRecording is one recording: its file in the bundle and its stored metadata.
type ManifestRecording struct {
	File     string          `json:"file"`
	Size     int64           `json:"size"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

const manifestSource = "SIP signalling of the calls (caller number, CRM customer id, agent) and the calls' audio, recorded by the gateway after the caller's consent"
