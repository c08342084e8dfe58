package config

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestRedactedHidesSecretsAndLeavesOriginalAlone(t *testing.T) {
	c, err := Load("testdata/full.yaml", []string{"CONSENTGW_NATS_URL=nats://user:pa55word@nats:4222,nats://token@nats2:4222", "CONSENTGW_NATS_USER=gw", "CONSENTGW_NATS_CREDENTIALS=", "CONSENTGW_NATS_PASSWORD=n4tspw"})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Redacted()
	out, err := yaml.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cr3t-s3cr3t", "0123456789abcdef", "pa55word", "token@", "n4tspw", "AGE-SECRET-KEY", "hvs.example-token"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("redacted output contains %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"consentgw", "timeout: 10s", "REDACTED", "user:REDACTED@nats:4222"} {
		if !strings.Contains(string(out), kept) {
			t.Errorf("redacted output lacks %q:\n%s", kept, out)
		}
	}
	if c.Storage.S3.SecretKey != "s3cr3t-s3cr3t" || c.Subjects.HMACKey == redactedMark {
		t.Error("Redacted modified the original")
	}
	r.SIP.Listen[0] = "changed"
	if c.SIP.Listen[0] == "changed" {
		t.Error("Redacted shares the listen slice")
	}
	if got := Default().Redacted(); got.Storage.S3.SecretKey != "" || got.Subjects.HMACKey != "" {
		t.Error("empty secrets became non-empty")
	}
}

func TestRedactedPrintoutLoadsBack(t *testing.T) {
	c, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Redacted()
	r.Subjects.HMACKey = ""  // REDACTED is too short to be a key
	r.Storage.S3.SSE = ""    // and not the base64 of an SSE-C key
	r.NATS.RequestKeys = nil // nor of a signing key
	r.Rights.SigningKey = ""
	r.Encryption.KEK, r.Encryption.KEKPrevious = "", nil // nor an age identity
	out, err := yaml.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Load(writeConfig(t, string(out)), nil)
	if err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, out)
	}
	if back.Consent.Timeout != c.Consent.Timeout || back.Routes[1].AnswerTimeout != c.Routes[1].AnswerTimeout {
		t.Errorf("durations changed: %v %v", back.Consent.Timeout, back.Routes[1].AnswerTimeout)
	}
}
