package signing

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyIsGeneratedOnceAndReused(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadOrCreate(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreate(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if first.Public().ID != second.Public().ID || !bytes.Equal(first.Public().Key, second.Public().Key) {
		t.Fatal("second load returned another key")
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v: want mode 0600", fi, err)
	}
	configured, err := LoadOrCreate(t.TempDir(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil || configured.Public().ID == first.Public().ID {
		t.Fatalf("configured key: %v", err)
	}
	for _, bad := range []string{"not base64!", "AAEC"} {
		if _, err := LoadOrCreate(t.TempDir(), bad); !errors.Is(err, ErrBadKey) {
			t.Errorf("configured %q: %v, want ErrBadKey", bad, err)
		}
	}
}

func TestSignatureCoversTheDocumentAndItsKind(t *testing.T) {
	k, err := LoadOrCreate(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"id":"01A","decision":"granted","subjects":[{"type":"tel","key":"ab"}]}`)
	sig, err := k.Sign(KindReceipt, doc)
	if err != nil {
		t.Fatal(err)
	}
	keys := KeySet{k.Public()}
	var pretty bytes.Buffer
	json.Indent(&pretty, doc, "", "    ")
	if kid, err := keys.Verify(KindReceipt, pretty.Bytes(), sig); err != nil || kid != k.Public().ID {
		t.Fatalf("a pretty-printed copy does not verify: %v", err)
	}
	altered := bytes.Replace(doc, []byte("granted"), []byte("declined"), 1)
	if _, err := keys.Verify(KindReceipt, altered, sig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("altered document: %v, want ErrBadSignature", err)
	}
	if _, err := keys.Verify(KindCertificate, doc, sig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("a receipt's signature passed for a certificate: %v", err)
	}
	other, _ := LoadOrCreate(t.TempDir(), "")
	if _, err := (KeySet{other.Public()}).Verify(KindReceipt, doc, sig); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("another deployment's key: %v, want ErrUnknownKey", err)
	}
}

func TestKeySetRoundTripsThroughJWKS(t *testing.T) {
	k, _ := LoadOrCreate(t.TempDir(), "")
	body, err := json.Marshal(KeySet{k.Public()}.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `"kty":"OKP","crv":"Ed25519"`) {
		t.Fatalf("JWKS %s is not RFC 8037 OKP", body)
	}
	ks, err := ParseJWKS(bytes.NewReader(body))
	if err != nil || len(ks) != 1 || ks[0].ID != k.Public().ID {
		t.Fatalf("ParseJWKS = %v, %v", ks, err)
	}
	forged := strings.Replace(string(body), k.Public().ID, "0000000000000000", 1)
	if _, err := ParseJWKS(strings.NewReader(forged)); !errors.Is(err, ErrBadKey) {
		t.Errorf("a key under another key's id: %v", err)
	}
}

// FuzzVerify: a signature string, a key set and a document from outside never panic,
// and only the right signature verifies.
func FuzzVerify(f *testing.F) {
	k, err := NewKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	doc := []byte(`{"a":1}`)
	good, _ := k.Sign(KindCertificate, doc)
	f.Add(good, []byte(`{"a":1}`))
	f.Add("ed25519::", []byte(`{}`))
	f.Add("ed25519:"+k.Public().ID+":AAAA", []byte(`[`))
	f.Fuzz(func(t *testing.T, sig string, data []byte) {
		_, err := KeySet{k.Public()}.Verify(KindCertificate, data, sig)
		if err == nil {
			var a, b bytes.Buffer
			if json.Compact(&a, data) != nil || json.Compact(&b, doc) != nil || a.String() != b.String() {
				t.Fatalf("signature %q verified another document %q", sig, data)
			}
		}
		_, _ = ParseJWKS(bytes.NewReader(data))
	})
}
