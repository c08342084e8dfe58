package redact

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxField bounds the bytes of outside text one log attribute carries: a 16 KiB reason
// phrase or header must not make a 16 KiB log line.
const MaxField = 4096

// Field makes text an outside party sent (a reason phrase, a header value, a user agent,
// a library's error quoting a message) fit for a log line: redacted as Message does,
// control and format characters (line breaks, escapes, bidi overrides) turned into
// spaces, and cut to MaxField bytes. Redaction runs again after the line breaks are
// gone, so a number split over two lines is masked too.
func Field(s string) string {
	s = Message(s)
	if one := oneLine(s); one != s {
		s = Message(one)
	}
	return cut(s)
}

// Clean is Field without the redaction: for strings of the gateway's own making (ids,
// keys, addresses) that must keep their digits, logged through a handler that cleans
// every string alike.
func Clean(s string) string { return cut(oneLine(s)) }

// oneLine makes s valid UTF-8 and turns its unsafe runes into spaces.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return ' '
		}
		return r
	}, s)
}

// unsafeRune is a rune that could break a log line or change how it reads: C0 and C1
// controls (CR, LF, ESC …) and format characters (U+202E RIGHT-TO-LEFT OVERRIDE, zero
// widths).
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// cut keeps at most MaxField bytes, on a rune boundary, and says how much went.
func cut(s string) string {
	if len(s) <= MaxField {
		return s
	}
	n := MaxField
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…[" + strconv.Itoa(len(s)-n) + " bytes cut]"
}
