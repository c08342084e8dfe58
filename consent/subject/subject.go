// Package subject names the data subjects of a call (the caller's number,
// the CRM customer, the agent) and turns them into the pseudonymous subject
// keys of SPEC §5, so storage keys, logs and events never hold the raw value.
package subject

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Type is the kind of a data subject.
type Type string

// The subject types of SPEC §5.
const (
	// TypeTel is the caller's number, normalized to E.164.
	TypeTel Type = "tel"
	// TypeCustomer is the CRM customer id from subjects.customer_header.
	TypeCustomer Type = "customer"
	// TypeAgent is the user part of the agent leg's Request-URI.
	TypeAgent Type = "agent"
	// TypeCallID keys a SIP Call-ID (see CallIDKey). It names a call, not a data
	// subject: ParseType does not accept it, so no erase or export names one.
	TypeCallID Type = "call-id"
)

// ParseType returns the type named s.
func ParseType(s string) (Type, error) {
	switch t := Type(s); t {
	case TypeTel, TypeCustomer, TypeAgent:
		return t, nil
	}
	return "", fmt.Errorf("parsing subject type %s: %w", quoteType(s), ErrUnknownType)
}

// quoteType names an unknown type in an error only when it looks like a type name: the
// error is logged and published, and a number in the wrong field must not be.
func quoteType(s string) string {
	if len(s) == 0 || len(s) > 16 {
		return "(not shown)"
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && c != '-' && c != '_' {
			return "(not shown)"
		}
	}
	return strconv.Quote(s)
}

// Subject is one data subject, as it arrives in an erase or export request
// (SPEC §6: {"type":"tel","value":"+4512345678"}).
type Subject struct {
	Type  Type   `json:"type"`
	Value string `json:"value"`
}

// Parse reads the TYPE:VALUE form used on the command line
// ("tel:+4512345678", "customer:C-1001"). The value is not normalized.
func Parse(s string) (Subject, error) {
	typ, value, ok := strings.Cut(s, ":")
	if !ok {
		return Subject{}, fmt.Errorf("parsing subject: want TYPE:VALUE: %w", ErrUnknownType)
	}
	t, err := ParseType(typ)
	if err != nil {
		return Subject{}, err
	}
	return Subject{Type: t, Value: value}, nil
}

// LogValue keeps the value out of logs: a Subject passed to slog shows its
// type only.
func (s Subject) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", string(s.Type)), slog.String("value", "[redacted]"))
}
