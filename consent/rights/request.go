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

// Verb is what a request asks for.
type Verb string

// The verbs of SPEC §6.
const (
	VerbErase  Verb = "erase"
	VerbExport Verb = "export"
)

// Limits on a request's fields. request_id becomes part of object keys
// (exports/<request-id>.zip), so its alphabet is narrow.
const (
	maxRequestBytes = 64 << 10
	maxIDLen        = 128
	maxValueLen     = 256
	maxByLen        = 256
	minExpires      = time.Minute
	// maxExpires is SigV4's limit on a presigned URL.
	maxExpires = 7 * 24 * time.Hour
)

// ParseVerb returns the verb named s.
func ParseVerb(s string) (Verb, error) {
	switch v := Verb(s); v {
	case VerbErase, VerbExport:
		return v, nil
	}
	return "", reject("unknown verb: want erase or export")
}

// Request is a decoded, checked data-subject request. Subject is as sent: Service
// normalizes and keys it.
type Request struct {
	RequestID   string          `json:"request_id"`
	Subject     subject.Subject `json:"subject"`
	RequestedBy string          `json:"requested_by,omitempty"`
	// Expires is how long an export's link (and bundle) stays; 0 = the configured default.
	Expires time.Duration `json:"-"`
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
}

// Decode reads a request payload of SPEC §6 for verb. Every problem is an ErrRejected
// whose message says which field is wrong without echoing any of the payload: a
// misplaced phone number must not reach a reply or the audit trail.
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
	var r Request
	switch {
	case w.RequestID == nil:
		return Request{}, reject("request_id is missing")
	case w.Subject == nil:
		return Request{}, reject("subject is missing")
	case w.Subject.Type == nil:
		return Request{}, reject("subject.type is missing")
	case w.Subject.Value == nil:
		return Request{}, reject("subject.value is missing")
	}
	if err := checkID(*w.RequestID); err != nil {
		return Request{}, err
	}
	r.RequestID = *w.RequestID
	t, err := subject.ParseType(*w.Subject.Type)
	if err != nil {
		return Request{}, reject("subject.type is unknown: want tel, customer or agent")
	}
	v := strings.TrimSpace(*w.Subject.Value)
	switch {
	case v == "":
		return Request{}, reject("subject.value is empty")
	case len(v) > maxValueLen:
		return Request{}, reject(fmt.Sprintf("subject.value is longer than %d bytes", maxValueLen))
	case strings.ContainsFunc(v, unicode.IsControl):
		return Request{}, reject("subject.value holds control characters")
	}
	r.Subject = subject.Subject{Type: t, Value: v}
	if w.RequestedBy != nil {
		by := *w.RequestedBy
		if len(by) > maxByLen || strings.ContainsFunc(by, unicode.IsControl) {
			return Request{}, reject(fmt.Sprintf("requested_by must be at most %d printable characters", maxByLen))
		}
		r.RequestedBy = by
	}
	if w.Expires != nil {
		if verb != VerbExport {
			return Request{}, reject("expires applies to export requests only")
		}
		d, err := time.ParseDuration(*w.Expires)
		if err != nil || d < minExpires || d > maxExpires {
			return Request{}, reject(fmt.Sprintf("expires must be a duration from %v to %v, e.g. 24h", minExpires, maxExpires))
		}
		r.Expires = d
	}
	return r, nil
}

// checkID keeps request ids to what can name an object and a NATS message id.
func checkID(id string) error {
	if id == "" || len(id) > maxIDLen || id[0] == '.' || id[0] == '-' {
		return reject(fmt.Sprintf("request_id must be 1 to %d characters of A-Z a-z 0-9 . _ : - not starting with . or -", maxIDLen))
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return reject(fmt.Sprintf("request_id must be 1 to %d characters of A-Z a-z 0-9 . _ : - not starting with . or -", maxIDLen))
		}
	}
	return nil
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
		return "request has an unknown field: allowed are request_id, subject {type, value}, requested_by, expires"
	}
	return "request is not a valid JSON object"
}

func want(field string) string {
	if field == "subject" {
		return "JSON object"
	}
	return "string"
}
