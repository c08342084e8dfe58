package subject

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Normalize returns the canonical form of s, so that every spelling of the
// same subject yields the same key: tel values become E.164, customer and
// agent values are trimmed and otherwise kept exactly (CRM ids and SIP user
// parts are case-sensitive).
//
// A tel value may be "+45 12 34 56 78", "0045 12345678", "tel:+45…" (RFC 3966),
// a SIP URI "sip:+4512345678@host;user=phone" (its user part), or a national
// number when defaultRegion (ISO 3166 alpha-2, e.g. "DK") is given.
func Normalize(s Subject, defaultRegion string) (Subject, error) {
	v := strings.TrimSpace(s.Value)
	if v == "" {
		return Subject{}, fmt.Errorf("normalizing %s subject: %w", s.Type, ErrEmptyValue)
	}
	switch s.Type {
	case TypeCustomer, TypeAgent:
		return Subject{Type: s.Type, Value: v}, nil
	case TypeTel:
		e164, err := normalizeTel(v, defaultRegion)
		if err != nil {
			return Subject{}, err
		}
		return Subject{Type: TypeTel, Value: e164}, nil
	}
	return Subject{}, fmt.Errorf("normalizing subject type %s: %w", quoteType(string(s.Type)), ErrUnknownType)
}

func normalizeTel(v, region string) (string, error) {
	v = telUserPart(v)
	region = strings.ToUpper(strings.TrimSpace(region))
	num, ok := parsePossible(v, region)
	if !ok && strings.HasPrefix(v, "00") {
		// "00" is the international prefix in most of the world (ITU-T
		// E.164 Annex); accept it even where the region's own differs.
		num, ok = parsePossible("+"+v[2:], region)
	}
	if !ok {
		return "", fmt.Errorf("normalizing tel subject: %w", ErrInvalidTel)
	}
	return canonicalE164(num)
}

// canonicalE164 returns the E.164 form that normalizes to itself. A national
// number parsed with a leading zero the country does not keep (a trunk
// prefix the region's metadata did not strip) formats as "+610…", which
// parses back as "+61…"; a stored key must be reproducible from the stored
// value alone, so the number is taken through E.164 until it is stable.
func canonicalE164(num *phonenumbers.PhoneNumber) (string, error) {
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	for range 2 {
		again, ok := parsePossible(e164, "")
		if !ok {
			break
		}
		next := phonenumbers.Format(again, phonenumbers.E164)
		if next == e164 {
			return e164, nil
		}
		e164 = next
	}
	return "", fmt.Errorf("normalizing tel subject: %w", ErrInvalidTel)
}

// telUserPart strips the URI around a number: the scheme of tel: (RFC 3966)
// and sip:/sips: (RFC 3261 §19.1), the host, and URI parameters.
func telUserPart(v string) string {
	lower := strings.ToLower(v)
	for _, scheme := range []string{"tel:", "sip:", "sips:"} {
		if strings.HasPrefix(lower, scheme) {
			v = v[len(scheme):]
			if user, _, ok := strings.Cut(v, "@"); ok {
				v = user
			}
			break
		}
	}
	// RFC 3966 §3 parameters (";phone-context=…", ";ext=…") and SIP user
	// parameters follow the number after ';'.
	v, _, _ = strings.Cut(v, ";")
	return strings.TrimSpace(v)
}

// parsePossible checks for a possible number, not a valid one: numbering
// plans gain ranges faster than the metadata does, and refusing a caller's
// real number would leave their recordings without a key to erase them by.
// phonenumbers' errors name no digits, but they are dropped anyway.
func parsePossible(v, region string) (*phonenumbers.PhoneNumber, bool) {
	num, err := phonenumbers.Parse(v, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return nil, false
	}
	return num, true
}
