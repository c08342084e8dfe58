package rights

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/consent/audit"
)

func signingKey(t *testing.T, name string, fill byte) SigningKey {
	t.Helper()
	k, err := ParseSigningKey(name + ":" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signedRequest sends body on the verb's RPC subject with header (none when "").
func signedRequest(t *testing.T, nc *nats.Conn, verb Verb, body, header string) map[string]any {
	t.Helper()
	msg := nats.NewMsg(RPCPrefix + string(verb))
	msg.Data = []byte(body)
	if header != "" {
		msg.Header.Set(SignatureHeader, header)
	}
	res, err := nc.RequestMsg(msg, waitLimit)
	if err != nil {
		t.Fatal(err)
	}
	var reply map[string]any
	if err := json.Unmarshal(res.Data, &reply); err != nil {
		t.Fatal(err)
	}
	return reply
}

func TestSignedRequestsProveTheRequester(t *testing.T) {
	nc, js := natsServer(t)
	st := localStore(t)
	alice, _ := people(t, st)
	crm, dpo := signingKey(t, "crm", 1), signingKey(t, "dpo", 2)
	v, err := NewVerifier([]SigningKey{crm, dpo})
	if err != nil {
		t.Fatal(err)
	}
	startNodeWith(t, nc, js, st, "node-a", v)
	rejected := eventsOf(t, js, audit.KindRequestRejected)

	erase := `{"request_id":"s1","subject":{"type":"tel","value":"+4512345678"}}`
	claimsDPO := `{"request_id":"s2","subject":{"type":"tel","value":"+4512345678"},"requested_by":"dpo"}`
	forged := signingKey(t, "dpo", 9) // someone who guessed the name, not the key
	cases := []struct {
		name, body, header string
		verb               Verb
	}{
		{"unsigned", erase, "", VerbErase},
		{"unknown requester", erase, signingKey(t, "mallory", 3).Sign(VerbErase, []byte(erase)), VerbErase},
		{"wrong key", erase, forged.Sign(VerbErase, []byte(erase)), VerbErase},
		{"payload changed after signing", strings.Replace(erase, "s1", "s9", 1), crm.Sign(VerbErase, []byte(erase)), VerbErase},
		{"erase signature sent as export", erase, crm.Sign(VerbErase, []byte(erase)), VerbExport},
		{"crm claims to be dpo", claimsDPO, crm.Sign(VerbErase, []byte(claimsDPO)), VerbErase},
		{"garbage header", erase, "crm:***", VerbErase},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply := signedRequest(t, nc, tc.verb, tc.body, tc.header)
			if reply["status"] != StatusRejected {
				t.Fatalf("reply %v, want rejected", reply)
			}
			if ev := nextEvent(t, rejected); ev.Kind != audit.KindRequestRejected {
				t.Fatalf("event %+v", ev)
			}
		})
	}
	if !exists(t, st, alice[0].recordingKey()) {
		t.Fatal("a rejected request erased the subject's recording")
	}

	reply := signedRequest(t, nc, VerbErase, erase, crm.Sign(VerbErase, []byte(erase)))
	if reply["status"] != StatusCompleted || reply["requested_by"] != "crm" {
		t.Fatalf("signed erase: %v, want completed and requested_by crm", reply)
	}
	ev := nextEvent(t, eventsOf(t, js, audit.KindSubjectErased))
	if !strings.Contains(string(ev.Data), `"requested_by":"crm"`) {
		t.Errorf("subject.erased %s does not name the signer", ev.Data)
	}
}

func TestSigningKeyParsing(t *testing.T) {
	for _, bad := range []string{"", "crm", "crm:", "crm:c2hvcnQ=", "a b:" + base64.StdEncoding.EncodeToString(make([]byte, 32)), ":" + base64.StdEncoding.EncodeToString(make([]byte, 32))} {
		if _, err := ParseSigningKey(bad); err == nil {
			t.Errorf("ParseSigningKey(%q) accepted", bad)
		}
	}
	if _, err := NewVerifier([]SigningKey{signingKey(t, "a", 1), signingKey(t, "a", 2)}); err == nil {
		t.Error("two keys for one requester accepted")
	}
}

func FuzzVerify(f *testing.F) {
	k := SigningKey{Name: "crm", Key: bytes.Repeat([]byte{1}, 32)}
	body := []byte(`{"request_id":"f","subject":{"type":"tel","value":"+4512345678"}}`)
	f.Add(body, k.Sign(VerbErase, body))
	f.Add([]byte("{}"), "crm:")
	v := Verifier{"crm": k.Key}
	f.Fuzz(func(t *testing.T, payload []byte, header string) {
		name, err := v.Verify(VerbErase, payload, header)
		if err == nil && (name != "crm" || header != k.Sign(VerbErase, payload)) {
			t.Fatalf("accepted %q for %q", header, payload)
		}
	})
}
