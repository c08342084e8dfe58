package split

import (
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/subject"
)

// Subjects turns a call's parties into pseudonymous subject keys (SPEC §5).
type Subjects struct {
	Pseudonyms     *subject.Pseudonymizer
	DefaultRegion  string
	CustomerHeader string
}

// Caller returns the caller's subjects: the number from P-Asserted-Identity, else From,
// and the CRM customer id header if present. A number that is not a valid E.164 number is
// left out rather than keyed under a guess.
func (s Subjects) Caller(req *sip.Request) []consent.SubjectRef {
	var refs []consent.SubjectRef
	if user := callerUser(req); user != "" {
		if key, err := s.Pseudonyms.NormalizedKey(subject.Subject{Type: subject.TypeTel, Value: user}, s.DefaultRegion); err == nil {
			refs = append(refs, consent.SubjectRef{Type: string(subject.TypeTel), Key: key})
		}
	}
	if s.CustomerHeader != "" {
		if h := req.GetHeader(s.CustomerHeader); h != nil && strings.TrimSpace(h.Value()) != "" {
			if key, err := s.Pseudonyms.NormalizedKey(subject.Subject{Type: subject.TypeCustomer, Value: h.Value()}, ""); err == nil {
				refs = append(refs, consent.SubjectRef{Type: string(subject.TypeCustomer), Key: key})
			}
		}
	}
	return refs
}

// Agent returns the agent subject: the user part of the agent leg's Request-URI.
func (s Subjects) Agent(target sip.Uri) []consent.SubjectRef {
	if target.User == "" {
		return nil
	}
	key, err := s.Pseudonyms.NormalizedKey(subject.Subject{Type: subject.TypeAgent, Value: target.User}, "")
	if err != nil {
		return nil
	}
	return []consent.SubjectRef{{Type: string(subject.TypeAgent), Key: key}}
}

func callerUser(req *sip.Request) string {
	if h := req.GetHeader("P-Asserted-Identity"); h != nil {
		var uri sip.Uri
		value := h.Value()
		if i := strings.IndexByte(value, '<'); i >= 0 {
			value = value[i+1:]
			if j := strings.IndexByte(value, '>'); j >= 0 {
				value = value[:j]
			}
		}
		value = strings.TrimSpace(value)
		if len(value) > 4 && strings.EqualFold(value[:4], "tel:") {
			return value // RFC 3966 tel URI: subject.Normalize reads it
		}
		if err := sip.ParseUri(value, &uri); err == nil && uri.User != "" {
			return uri.User
		}
	}
	if f := req.From(); f != nil {
		return f.Address.User
	}
	return ""
}
