package storage

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is S3's limit on a key's length in bytes.
const MaxKeyLen = 1024

// ValidKey reports whether key may name an object. Keys are '/'-separated
// relative paths; they are rejected when empty, longer than MaxKeyLen,
// absolute, with an empty segment ("a//b", "a/"), with a segment starting
// with '.' (covers "." and "..", and keeps hidden names free for a
// backend's own files), with a backslash, or with invalid UTF-8 or control
// characters.
func ValidKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if err := ValidSegment(seg); err != nil {
			return err
		}
	}
	return nil
}

// ValidSegment reports whether s may be one segment of a key, such as a
// request id that becomes exports/<request-id>.zip. It follows ValidKey's
// rules and also rejects '/'.
func ValidSegment(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty segment", ErrInvalidKey)
	case s[0] == '.':
		return fmt.Errorf("%w: segment starts with '.'", ErrInvalidKey)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: not UTF-8", ErrInvalidKey)
	}
	for _, r := range s {
		switch {
		case r == '/':
			return fmt.Errorf("%w: '/' in segment", ErrInvalidKey)
		case r == '\\':
			return fmt.Errorf("%w: backslash", ErrInvalidKey)
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			return fmt.Errorf("%w: control character", ErrInvalidKey)
		}
	}
	return nil
}

// ValidPrefix reports whether prefix may be passed to List: "" (everything)
// or a key with an optional trailing '/', whose last segment may be partial.
func ValidPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := ValidKey(strings.TrimSuffix(prefix, "/")); err != nil {
		return fmt.Errorf("prefix: %w", err)
	}
	return nil
}

// ValidMetadata reports whether metadata can be stored by every backend:
// keys of lower-case ASCII letters, digits and '-' (S3 sends them as
// x-amz-meta-* headers and folds their case), values of printable ASCII.
func ValidMetadata(md map[string]string) error {
	for k, v := range md {
		if k == "" {
			return fmt.Errorf("%w: empty key", ErrInvalidMetadata)
		}
		for _, c := range []byte(k) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%w: key %q: want [a-z0-9-]", ErrInvalidMetadata, k)
			}
		}
		for _, c := range []byte(v) {
			if c < 0x20 || c >= 0x7f {
				return fmt.Errorf("%w: value of %q: want printable ASCII", ErrInvalidMetadata, k)
			}
		}
	}
	return nil
}
