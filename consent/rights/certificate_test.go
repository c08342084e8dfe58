package rights

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/consent/subject"
)

func TestCertificateProvesTheEraseUnaltered(t *testing.T) {
	st := localStore(t)
	key := testSigner(t)
	svc := newServiceWith(t, st, &sink{}, nil, func(o *Options) { o.Signer = key })
	alice, _ := people(t, st)
	res, err := svc.Erase(t.Context(), telRequest("cert-1", aliceNumber))
	if err != nil {
		t.Fatal(err)
	}
	if res.Certificate != "certificates/cert-1.json" || res.CertificateURL == "" {
		t.Fatalf("result names no certificate: %+v", res)
	}
	doc := readAll(t, mustGet(t, st, res.Certificate))
	trusted := signing.KeySet{key.Public()}
	c, kid, err := VerifyCertificate(doc, trusted)
	if err != nil || kid != key.Public().ID {
		t.Fatalf("VerifyCertificate: %v", err)
	}
	if c.RequestID != "cert-1" || c.Scope != ScopeSubject || c.SubjectKey != keyOf(t, subject.TypeTel, aliceNumber) ||
		c.RecordingsDeleted != 2 || c.VersionsRemoved != 13 || len(c.ObjectsDeleted) != 13 || c.KeysDestroyed == nil ||
		!slices.Contains(c.ObjectsDeleted, alice[0].recordingKey()) || c.Gateway != "test-node" {
		t.Fatalf("certificate %+v", c)
	}
	for name, bad := range map[string][]byte{
		"a count changed":   bytes.Replace(doc, []byte(`"recordings_deleted": 2`), []byte(`"recordings_deleted": 1`), 1),
		"a key left out":    bytes.Replace(doc, []byte(`"`+alice[0].recordingKey()+`",`), nil, 1),
		"not a certificate": []byte(`{"certificate":{},"signature":"","extra":1}`),
	} {
		if bytes.Equal(bad, doc) {
			t.Fatalf("%s: the test did not change the document", name)
		}
		if _, _, err := VerifyCertificate(bad, trusted); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	other, _ := signing.NewKey(bytes.Repeat([]byte{2}, 32))
	if _, _, err := VerifyCertificate(doc, signing.KeySet{other.Public()}); !errors.Is(err, signing.ErrUnknownKey) {
		t.Errorf("another deployment's key: %v", err)
	}
}

// KeyDestroyer is where encryption keys of erased data go (issue 16): it is told what
// the erase erases, and its keys are counted and certified.
type keyRing struct{ targets []EraseTarget }

func (k *keyRing) DestroyKeys(_ context.Context, t EraseTarget) ([]string, error) {
	k.targets = append(k.targets, t)
	return []string{"key-of-" + t.SubjectKey[:8]}, nil
}

func TestEraseDestroysKeysBeforeItDeletes(t *testing.T) {
	st := localStore(t)
	ring := &keyRing{}
	svc := newServiceWith(t, st, &sink{}, nil, func(o *Options) { o.Signer = testSigner(t); o.Keys = ring })
	alice, _ := people(t, st)
	res, err := svc.Erase(t.Context(), telRequest("keys-1", aliceNumber))
	if err != nil || res.KeysDestroyed != 1 {
		t.Fatalf("erase = %+v, %v", res, err)
	}
	if len(ring.targets) != 1 || len(ring.targets[0].Calls) != len(alice) || ring.targets[0].Held {
		t.Fatalf("key destroyer told %+v", ring.targets)
	}
	c, _, err := VerifyCertificate(readAll(t, mustGet(t, st, res.Certificate)), signing.KeySet{testSigner(t).Public()})
	if err != nil || len(c.KeysDestroyed) != 1 {
		t.Fatalf("certificate keys %+v, %v", c.KeysDestroyed, err)
	}
}

// FuzzVerifyCertificate: whatever file consentgw verify is given, it is a verified
// certificate signed by the trusted key, or an error.
func FuzzVerifyCertificate(f *testing.F) {
	key, err := signing.NewKey(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		f.Fatal(err)
	}
	body := []byte(`{"format":"` + CertificateFormat + `","request_id":"r","status":"completed","scope":"subject"}`)
	sig, _ := key.Sign(signing.KindCertificate, body)
	f.Add([]byte(`{"certificate":` + string(body) + `,"signature":"` + sig + `"}`))
	f.Add([]byte(`{"certificate":null,"signature":"x"}`))
	f.Add([]byte(`{"certificate":{},"certificate":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, kid, err := VerifyCertificate(data, signing.KeySet{key.Public()})
		if err == nil && (kid != key.Public().ID || c.Format != CertificateFormat) {
			t.Fatalf("verified %q as %+v by %s", data, c, kid)
		}
	})
}
