// Package redact takes personal data out of SIP text before it is logged: the user
// parts of SIP and tel URIs (phone numbers, user names), the display names of the
// headers that identify a party, Call-ID values, and any other run of digits long
// enough to be a phone number or a customer id. Field also makes any text an outside
// party sent fit for one log line: no control characters, bounded length.
package redact

import (
	"regexp"
	"strings"
)

// Mask replaces what was taken out.
const Mask = "***"

var (
	// RFC 3261 §19.1.1: sip:user:password@host; §25.1 userinfo ends at '@'. No word
	// boundary before the scheme: text glued to it ("0000sip:…") must not hide the user.
	sipUser = regexp.MustCompile(`(?i)(sips?:)[^@\s<>;,"]+@`)
	// RFC 3966 §3: tel:number with optional ;params.
	telURI = regexp.MustCompile(`(?i)tel:[^\s<>;,"]+`)
	// RFC 3261 §20.10 name-addr: a display name before '<', quoted or a token list, in
	// the headers that name a party (From, To, Contact, their compact forms, and the
	// identity headers of RFC 3325, RFC 5806 and RFC 3892).
	displayName = regexp.MustCompile(`(?im)^((?:from|f|to|t|contact|m|p-asserted-identity|p-preferred-identity|remote-party-id|diversion|referred-by|b|refer-to|r)[ \t]*:[ \t]*)("(?:[^"\\]|\\.)*"|[^<\r\n"]*?)([ \t]*<)`)
	// E.164 allows 15 digits; 6 or more in a row (spaces and dashes between them
	// allowed) is treated as a number wherever it stands.
	digitRun = regexp.MustCompile(`\+?\d(?:[ \-]?\d){5,}`)
	// RFC 3261 §20.8 Call-ID (compact form i): trunks build it from the caller's number,
	// so its value goes whole. A call is named in logs by its keyed hash instead.
	callID = regexp.MustCompile(`(?im)^((?:call-id|i)[ \t]*:[ \t]*)[^\r\n]*`)
)

// Message redacts a SIP message, a header or a URI for a log line. Digit runs go first:
// masking one can end a user part ("sip:00A0 000000@" becomes "sip:00A***@"), which the
// URI pass must then see, or a second redaction would change the line again.
func Message(s string) string {
	// Every pattern needs a digit or a colon: most log messages have neither, and skip
	// the regular expressions.
	if !strings.ContainsAny(s, "0123456789:") {
		return s
	}
	s = digitRun.ReplaceAllString(s, Mask)
	s = sipUser.ReplaceAllString(s, "${1}"+Mask+"@")
	s = telURI.ReplaceAllString(s, "tel:"+Mask)
	s = callID.ReplaceAllString(s, "${1}"+Mask)
	s = displayName.ReplaceAllStringFunc(s, func(m string) string {
		sub := displayName.FindStringSubmatch(m)
		if strings.TrimSpace(sub[2]) == "" {
			return m
		}
		return sub[1] + `"` + Mask + `"` + sub[3]
	})
	return s
}
