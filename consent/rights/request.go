package rights

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/consentgw/consentgw/consent/subject"
)

// Limits on a request's fields. request_id becomes part of object keys
// (exports/<request-id>.zip, holds/<request-id>.json), so its alphabet is narrow.
const (
	maxRequestBytes = 64 << 10
	maxIDLen        = 128
	maxValueLen     = 256
	maxByLen        = 256
	maxReasonLen    = 1024
	minExpires      = time.Minute
	// maxExpires is SigV4's limit on a presigned URL.
	maxExpires = 7 * 24 * time.Hour
)

// Request is a decoded, checked request. Subject is as sent: Service normalizes and keys
// it. Which fields a verb takes is in fields.go.
type Request struct {
	RequestID   string          `json:"request_id"`
	Subject     subject.Subject `json:"subject"`
	RequestedBy string          `json:"requested_by,omitempty"`
	// Expires is how long an export's link (and bundle) stays; 0 = the configured default.
	Expires time.Duration `json:"-"`
	// Scope is what an erase deletes; "" is ScopeSubject.
	Scope Scope `json:"-"`
	// Call is one call's id (an erase of scope call, a hold or release on a call).
	Call string `json:"-"`
	// DryRun asks an erase what it would delete; Confirm lets it delete more recordings
	// than rights.erase_max_recordings.
	DryRun  bool `json:"-"`
	Confirm bool `json:"-"`
	// Reason says why a hold is placed or released.
	Reason string `json:"-"`
	// Hold names the hold a release lifts.
	Hold string `json:"-"`
	// From and To are the first and last UTC day a stats request counts; Route narrows it.
	From, To time.Time `json:"-"`
	Route    string    `json:"-"`
	// Of narrows a status request to one request_id, State to one state; Limit bounds it.
	Of    string `json:"-"`
	State string `json:"-"`
	Limit int    `json:"-"`
}

// wireRequest has pointers so a missing field is told from an empty one.
type wireRequest struct {
	RequestID *string `json:"request_id"`
	Subject   *struct {
		Type  *string `json:"type"`
		Value *string `json:"value"`
	} `json:"subject"`
	RequestedBy *string `json:"requested_by"`
	Expires     *string `json:"expires"`
	Scope       *string `json:"scope"`
	Call        *string `json:"call"`
	DryRun      *bool   `json:"dry_run"`
	Confirm     *bool   `json:"confirm"`
	Reason      *string `json:"reason"`
	Hold        *string `json:"hold"`
	From        *string `json:"from"`
	To          *string `json:"to"`
	Route       *string `json:"route"`
	Of          *string `json:"of"`
	State       *string `json:"state"`
	Limit       *int    `json:"limit"`
}

// Decode reads a request payload for verb. Every problem is an ErrRejected whose
// message says which field is wrong without echoing any of the payload: a misplaced
// phone number must not reach a reply or the audit trail.
func Decode(verb Verb, data []byte) (Request, error) {
	if len(data) > maxRequestBytes {
		return Request{}, reject(fmt.Sprintf("request is %d bytes, more than %d", len(data), maxRequestBytes))
	}
	var w wireRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Request{}, reject(jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Request{}, reject("request is not a single JSON object: data after it")
	}
	if k := duplicateKey(data); k != "" {
		// Unknown fields were refused above, so k is one of ours and safe to name.
		return Request{}, reject(fmt.Sprintf("request has %s twice: each field may appear once", k))
	}
	if w.RequestID == nil {
		return Request{}, reject("request_id is missing")
	}
	if err := checkID(*w.RequestID); err != nil {
		return Request{}, err
	}
	if err := allowedFields(verb, &w); err != nil {
		return Request{}, err
	}
	r := Request{RequestID: *w.RequestID}
	if w.Subject != nil {
		s, err := decodeSubject(w.Subject.Type, w.Subject.Value)
		if err != nil {
			return Request{}, err
		}
		r.Subject = s
	}
	if w.RequestedBy != nil {
		by, err := printable("requested_by", *w.RequestedBy, maxByLen)
		if err != nil {
			return Request{}, err
		}
		r.RequestedBy = by
	}
	if err := decodeVerbFields(verb, &w, &r); err != nil {
		return Request{}, err
	}
	return r, nil
}

func decodeSubject(typ, value *string) (subject.Subject, error) {
	switch {
	case typ == nil:
		return subject.Subject{}, reject("subject.type is missing")
	case value == nil:
		return subject.Subject{}, reject("subject.value is missing")
	}
	t, err := subject.ParseType(*typ)
	if err != nil {
		return subject.Subject{}, reject("subject.type is unknown: want tel, customer or agent")
	}
	v := strings.TrimSpace(*value)
	switch {
	case v == "":
		return subject.Subject{}, reject("subject.value is empty")
	case len(v) > maxValueLen:
		return subject.Subject{}, reject(fmt.Sprintf("subject.value is longer than %d bytes", maxValueLen))
	case strings.ContainsFunc(v, unicode.IsControl):
		return subject.Subject{}, reject("subject.value holds control characters")
	}
	return subject.Subject{Type: t, Value: v}, nil
}

// printable checks a free-text field (requested_by, reason): bounded, no control
// characters, so it can be logged and published as it is.
func printable(field, s string, maxLen int) (string, error) {
	if len(s) > maxLen || strings.ContainsFunc(s, unicode.IsControl) {
		return "", reject(fmt.Sprintf("%s must be at most %d printable characters", field, maxLen))
	}
	return s, nil
}

// checkID keeps request ids to what can name an object and a NATS message id.
func checkID(id string) error {
	if !validID(id) {
		return reject(fmt.Sprintf("request_id must be 1 to %d characters of A-Z a-z 0-9 . _ : - not starting with . or -", maxIDLen))
	}
	return nil
}

func validID(id string) bool {
	if id == "" || len(id) > maxIDLen || id[0] == '.' || id[0] == '-' {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// jsonProblem phrases a decoding error without quoting the payload: encoding/json's own
// messages may carry pieces of it (an unknown field's name).
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "request is empty: want a JSON object"
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return "request is not valid JSON"
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "request must be a JSON object"
		}
		return fmt.Sprintf("%s must be a %s, not a %s", typ.Field, want(typ.Field), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return "request has an unknown field: allowed are request_id, subject {type, value}, requested_by, and each verb's own (README \"NATS\")"
	}
	return "request is not a valid JSON object"
}

func want(field string) string {
	switch field {
	case "subject":
		return "JSON object"
	case "dry_run", "confirm":
		return "boolean"
	case "limit":
		return "whole number"
	}
	return "string"
}
