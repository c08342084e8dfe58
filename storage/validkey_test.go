package storage

import (
	"errors"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	cases := []struct {
		key string
		ok  bool
	}{
		{"recordings/2025/03/01/01JN0Z3Q8M5T7V9X1B3D5F7H9K.wav", true},
		{"a", true},
		{"exports/req 7 ü.zip", true},
		{"a.b/c..d", true},
		{"", false},
		{"/etc/passwd", false},
		{"../etc/passwd", false},
		{"a/../../b", false},
		{"a/./b", false},
		{"a/..", false},
		{"a//b", false},
		{"a/", false},
		{".hidden", false},
		{"a/.b.meta.json", false},
		{`a\..\b`, false},
		{"a\x00b", false},
		{"a\nb", false},
		{"a\x7fb", false},
		{"a\u0085b", false},
		{"a\xffb", false},
		{strings.Repeat("a", MaxKeyLen), true},
		{strings.Repeat("a", MaxKeyLen+1), false},
	}
	for _, c := range cases {
		err := ValidKey(c.key)
		if c.ok && err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", c.key, err)
		}
		if !c.ok && !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrInvalidKey", c.key, err)
		}
	}
}

func TestValidSegmentRejectsSlash(t *testing.T) {
	if err := ValidSegment("req-1"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a/b", "..", "", "x\\y"} {
		if err := ValidSegment(s); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidSegment(%q) = %v, want ErrInvalidKey", s, err)
		}
	}
}

func TestValidPrefix(t *testing.T) {
	for _, p := range []string{"", "subjects/ab/", "recordings/2025/0", "a"} {
		if err := ValidPrefix(p); err != nil {
			t.Errorf("ValidPrefix(%q) = %v", p, err)
		}
	}
	for _, p := range []string{"/", "../", "a//", "/a", "a/../"} {
		if err := ValidPrefix(p); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidPrefix(%q) = %v, want ErrInvalidKey", p, err)
		}
	}
}

func TestValidMetadata(t *testing.T) {
	good := map[string]string{"sha256": "ab", "consent-id": "01J", "n": ""}
	if err := ValidMetadata(good); err != nil {
		t.Fatal(err)
	}
	for _, md := range []map[string]string{
		{"": "x"}, {"Sha256": "x"}, {"a_b": "x"}, {"a": "line\nbreak"}, {"a": "ü"},
	} {
		if err := ValidMetadata(md); !errors.Is(err, ErrInvalidMetadata) {
			t.Errorf("ValidMetadata(%q) = %v, want ErrInvalidMetadata", md, err)
		}
	}
}

func FuzzValidKey(f *testing.F) {
	for _, s := range []string{"a/b.wav", "../x", "a//b", "/a", `a\b`, "a\x00", ".x", "a/./b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if ValidKey(key) != nil {
			return
		}
		// Whatever passes must be safe to join under a directory.
		if strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
			t.Fatalf("accepted %q", key)
		}
		for seg := range strings.SplitSeq(key, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("accepted %q with segment %q", key, seg)
			}
		}
		for _, r := range key {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("accepted control character in %q", key)
			}
		}
	})
}
