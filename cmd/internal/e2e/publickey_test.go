package e2e

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/consentgw/consentgw/cmd/internal/audiotest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/decrypt"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
	"github.com/consentgw/consentgw/consent/keystore/vaulttest"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/sealing"
)

// In public-key mode every channel is encrypted to the customer's age recipient: after
// the call the gateway itself cannot read the recording (nor the Call-ID), the customer's
// identity decrypts it whole, and an export hands the caller's channel out as stored,
// encrypted, for the customer to open. Go peers only: the -short tier runs it.
func TestPublicKeyModeRecordsWhatOnlyTheCustomerCanRead(t *testing.T) {
	customer, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	agent := startGoAgent(t)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		c.Routes[0].RecordTarget = "sip:agents@" + agent.Addr()
		c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
		c.Encryption.Mode = config.EncryptionPublicKey
		c.Encryption.Recipients = []string{customer.Recipient().String()}
	})
	goCall(t, gw, agent, '1', true)
	r := waitCallStored(t, gw, true)
	if r.Recording == nil || r.SIPCallID != "" || r.SIPCallIDSealed == "" {
		t.Fatalf("receipt %+v: want a recording and a sealed Call-ID", r)
	}
	if _, d := gw.DecryptRecording(t, *r.Recording); len(d.Opened) != 0 {
		t.Fatalf("the gateway's own keys opened the %v channels of a public-key recording", d.Opened)
	}
	if _, err := openCallID(t, gw, r); err == nil {
		t.Fatal("the gateway's own keys opened the Call-ID")
	}
	if id, err := sealing.OpenText(r.SIPCallIDSealed, customer); err != nil || id == "" {
		t.Fatalf("the customer's identity does not open the Call-ID: %v", err)
	}
	wav := filepath.Join(t.TempDir(), "customer.wav")
	f, err := os.Create(wav)
	if err != nil {
		t.Fatal(err)
	}
	d, err := decrypt.Stored(context.Background(), gw.Store(), sealing.Identities(customer), *r.Recording, f)
	f.Close()
	if err != nil || len(d.Missing) != 0 {
		t.Fatalf("the customer's identity: %+v, %v", d, err)
	}
	assertWAVChannels(t, wav)

	nc, _ := jetstreamtest.Connect(t, gw.NATSURL())
	var exp rights.ExportResult
	rpc(t, nc, "export", `{"request_id":"pk-export","subject":{"type":"tel","value":"`+callerNumber+`"}}`, &exp)
	zr := fetchBundle(t, exp)
	m := manifestOf(t, zr)
	if len(m.Recordings) != 1 || len(m.Recordings[0].Channels) != 2 {
		t.Fatalf("manifest recordings %+v", m.Recordings)
	}
	ch := m.Recordings[0].Channels[0]
	if ch.Party != sealing.PartyCaller || !ch.Encrypted || len(ch.Recipients) != 1 || ch.Recipients[0] != customer.Recipient().String() {
		t.Fatalf("exported caller's channel %+v: want it as stored, encrypted to the customer", ch)
	}
	if w := m.Recordings[0].Channels[1]; w.File != "" || w.Withheld != rights.WithheldOtherPerson {
		t.Fatalf("exported agent's channel %+v: want it withheld", w)
	}
	pcm := openZipStream(t, zr, ch.File, customer)
	if got, ratio := audiotest.DominantTone(pcm, 8000, callerTone, agentTone); got != callerTone || ratio < 10 {
		t.Fatalf("the exported caller's channel holds %v Hz (ratio %.1f)", got, ratio)
	}
}

func manifestOf(t *testing.T, zr *zip.Reader) rights.Manifest {
	t.Helper()
	f, err := zr.Open("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m rights.Manifest
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// openZipStream decrypts an age stream of a bundle with id into its PCM samples.
func openZipStream(t *testing.T, zr *zip.Reader, name string, id age.Identity) []int16 {
	t.Helper()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := sealing.OpenStream(f, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
	}
	if len(out) < 8000 {
		t.Fatalf("%s holds %d samples", name, len(out))
	}
	return out
}

// With encryption.vault set, Vault's transit key wraps the parties' keys: a call is
// recorded and decrypts as with the configuration's KEK, and no KEK is made in data_dir.
func TestARecordingWhoseKeysVaultWraps(t *testing.T) {
	v := vaulttest.Start(t)
	agent := startGoAgent(t)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		c.Routes[0].RecordTarget = "sip:agents@" + agent.Addr()
		c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
		c.Encryption.Vault = config.Vault{Address: v.Address, Token: v.Token, Mount: vaulttest.Mount, Key: "consentgw-e2e"}
	})
	goCall(t, gw, agent, '1', true)
	r := waitCallStored(t, gw, true)
	assertRecordedOnlyWhenGranted(t, gw, r, true)
	if _, err := openCallID(t, gw, r); err != nil {
		t.Fatalf("the Call-ID through Vault: %v", err)
	}
	if _, err := os.Stat(filepath.Join(gw.Config.DataDir, sealing.KEKFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a KEK was made beside Vault: %v", err)
	}
}
