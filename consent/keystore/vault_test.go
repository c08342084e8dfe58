package keystore

import (
	"bytes"
	"testing"

	"github.com/consentgw/consentgw/consent/keystore/vaulttest"
	"github.com/consentgw/consentgw/consent/sealing"
)

// With Vault transit wrapping the parties' keys, a ring holds Vault's ciphertext, not
// a key the gateway could unwrap alone; its identities open what its key encrypted, a
// store without Vault cannot, and rings a configuration KEK wrapped before the move to
// Vault still open (sealing.Wrappers).
func TestVaultTransitWrapsThePartyKeys(t *testing.T) {
	v := vaulttest.Start(t)
	js, _ := embedded(t)
	kek := testKEK(t)
	before, err := openKV(t, js, kek, nil, 0).Current(t.Context(), party(keyB))
	if err != nil {
		t.Fatal(err)
	}
	transit, err := OpenVault(t.Context(), VaultOptions{Address: v.Address, Token: v.Token, Mount: vaulttest.Mount, Key: "consentgw"})
	if err != nil {
		t.Fatal(err)
	}
	s := openKV(t, js, sealing.Wrappers{transit, kek}, nil, 0)
	k, err := s.Current(t.Context(), party(keyA))
	if err != nil {
		t.Fatal(err)
	}
	ring, _, err := s.ring(t.Context(), party(keyA))
	if err != nil {
		t.Fatal(err)
	}
	if got := ring.Keys[0]; got.WrappedBy != "vault:transit/consentgw" || !bytes.HasPrefix(got.Wrapped, []byte("vault:v1:")) {
		t.Fatalf("ring key wrapped by %s as %.20q: want Vault's transit ciphertext", got.WrappedBy, got.Wrapped)
	}
	ids, err := s.Identities(t.Context(), party(keyA))
	if err != nil || roundTrip(t, k, ids) != nil {
		t.Fatalf("identities through Vault: %v", err)
	}
	if _, err := openKV(t, js, kek, nil, 0).Identities(t.Context(), party(keyA)); err == nil {
		t.Fatal("a store with the KEK alone unwrapped a key Vault wrapped")
	}
	if ids, err := s.Identities(t.Context(), party(keyB)); err != nil || roundTrip(t, before, ids) != nil {
		t.Fatalf("a ring the KEK wrapped before Vault: %v", err)
	}
	other, err := OpenVault(t.Context(), VaultOptions{Address: v.Address, Token: v.Token, Mount: vaulttest.Mount, Key: "another"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openKV(t, js, other, nil, 0).Identities(t.Context(), party(keyA)); err == nil {
		t.Fatal("another transit key unwrapped the party key")
	}
}
