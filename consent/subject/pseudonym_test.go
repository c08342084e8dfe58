package subject

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestKeyIsHexHMACOfTypeAndValue(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	p, err := NewPseudonymizer(secret)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tel:+4512345678"))
	want := hex.EncodeToString(m.Sum(nil))

	if got := p.Key(Subject{TypeTel, "+4512345678"}); got != want {
		t.Fatalf("Key = %s, want %s", got, want)
	}
	if got := p.Key(Subject{TypeCustomer, "+4512345678"}); got == want {
		t.Fatal("a customer and a tel with one value share a key")
	}
}

func TestSpellingsOfOneNumberShareAKey(t *testing.T) {
	p, err := NewPseudonymizer([]byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, v := range []string{"+4512345678", "0045 12 34 56 78", "sip:+4512345678@gw", "12345678"} {
		k, err := p.NormalizedKey(Subject{TypeTel, v}, "DK")
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	for _, k := range keys[1:] {
		if k != keys[0] {
			t.Fatalf("keys differ: %v", keys)
		}
	}
	if _, err := p.NormalizedKey(Subject{TypeTel, "nope"}, ""); !errors.Is(err, ErrInvalidTel) {
		t.Fatalf("NormalizedKey of a bad number: %v", err)
	}
}

func TestPseudonymizerRejectsShortKeys(t *testing.T) {
	if _, err := NewPseudonymizer([]byte("fifteen bytes!!")); !errors.Is(err, ErrShortKey) {
		t.Fatalf("15-byte key: %v, want ErrShortKey", err)
	}
}

func TestPseudonymizerCopiesKey(t *testing.T) {
	secret := []byte("0123456789abcdef")
	p, _ := NewPseudonymizer(secret)
	before := p.Key(Subject{TypeAgent, "alice"})
	secret[0] = 'X'
	if p.Key(Subject{TypeAgent, "alice"}) != before {
		t.Fatal("changing the caller's slice changed the keys")
	}
}

func TestRedactKeepsAShortPrefix(t *testing.T) {
	key := strings.Repeat("ab", 32)
	got := Redact(key)
	if !strings.HasPrefix(got, "abababababab") || len([]rune(got)) != redactLen+1 {
		t.Fatalf("Redact = %q", got)
	}
	if Redact("abc") != "abc" {
		t.Fatalf("short input changed: %q", Redact("abc"))
	}
}

func TestCallIDKeyIsHexHMACOfCallIDTypeAndRawValue(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	p, err := NewPseudonymizer(secret)
	if err != nil {
		t.Fatal(err)
	}
	const callID = "+4512345678-1@trunk.example.com"
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("call-id:" + callID))
	if got, want := p.CallIDKey(callID), hex.EncodeToString(m.Sum(nil)); got != want {
		t.Fatalf("CallIDKey = %s, want %s", got, want)
	}
	if _, err := ParseType("call-id"); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("ParseType(call-id) = %v: a Call-ID is no data subject to erase", err)
	}
}
