package config

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestFullExampleLoadsEveryKey(t *testing.T) {
	c, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		DataDir:  "/var/lib/consentgw",
		NodeName: "gw-cph-1",
		Log:      Log{Level: "debug", Format: "json"},
		SIP: SIP{Listen: []string{"udp:0.0.0.0:5080", "tcp:[::]:5080", "tls:[::]:5081"}, PublicAddr: "sip.example.com:5080",
			Trusted: []string{"198.51.100.0/24", "2001:db8::1"}, MaxCalls: 500, InviteRate: 20, InviteBurst: 40,
			Auth: SIPAuth{Realm: "calls.example.com", Users: []string{"alice:correct horse battery"}},
			TLS:  SIPTLS{Cert: "/etc/consentgw/sip.pem", Key: "/etc/consentgw/sip-key.pem", CA: "/etc/consentgw/carrier-ca.pem"}},
		Media: Media{IP: "192.0.2.10", PortMin: 30000, PortMax: 30999, SRTP: "required", Latching: "nat"},
		Consent: Consent{Prompt: "/etc/consentgw/prompt-da.wav", Language: "da",
			AcceptDigits: "1*", DeclineDigits: "2#", WithdrawDigits: "*9",
			Timeout: Duration(10 * time.Second), Repeats: 2, PauseMax: Duration(3 * time.Minute), PolicyVersion: "2025-06",
			Prompts: []PromptSet{
				{Language: "da", Notice: "/etc/consentgw/notice-da.wav", Withdrawn: "/etc/consentgw/withdrawn-da.wav", Countries: []string{"DK", "GL", "FO"}},
				{Language: "en", Consent: "/etc/consentgw/prompt-en.wav", Countries: []string{"GB", "US", "CA"}},
			}},
		Routes: []Route{
			{Name: "support", Match: "^45", RecordTarget: "sip:support@10.0.0.5:5060",
				NorecordTarget: "sip:support-norec@10.0.0.5:5060", AnswerTimeout: Duration(45 * time.Second),
				Language: "auto", LanguageMenu: []string{"da", "en"}, LanguageMenuPrompt: "/etc/consentgw/menu-da-en.wav",
				Policy: []PolicyRule{
					{Name: "one-party-consent", Countries: []string{"US", "CA"}, Mode: "notice"},
					{Countries: []string{"GB"}, Mode: "opt-in"},
				},
				Sources: []string{"198.51.100.7/32"}},
			{Name: "fallback", Match: ".*", RecordTarget: "sips:agents@pbx.example.com",
				AnswerTimeout: Duration(30 * time.Second)},
		},
		Storage: Storage{Dir: "/srv/objects", Retention: Duration(720 * time.Hour), SpoolMaxMB: 2048, SpoolReserveMB: 128, SpoolFull: SpoolFullUnrecorded, S3: S3{
			Endpoint: "minio.example.com:9000", Bucket: "call-recordings", AccessKey: "consentgw",
			SecretKey: "s3cr3t-s3cr3t", Secure: true, Region: "eu-north-1",
			SSE: "c", SSECKey: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}},
		Subjects: Subjects{HMACKey: "0123456789abcdef0123456789abcdef", DefaultRegion: "DK", CustomerHeader: "X-CRM-ID"},
		NATS: NATS{URL: "nats://nats.example.com:4222", Listen: "127.0.0.1:14222",
			Credentials:   "/etc/consentgw/nats.creds",
			TLS:           NATSTLS{CA: "/etc/consentgw/nats-ca.pem", Cert: "/etc/consentgw/nats-client.pem", Key: "/etc/consentgw/nats-client-key.pem"},
			EventsMaxAge:  Duration(8760 * time.Hour),
			Replicas:      3,
			RequestKeys:   []string{"crm:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "dpo:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="},
			Authorization: NATSAuthorization{CRM: []string{}, DPO: []string{}, CallControl: []string{}}},
		Exports: Exports{Expires: Duration(48 * time.Hour), Purpose: "Quality assurance and documentation of telephone agreements.",
			Recipients: []string{"Example Contact Center A/S", "Example Storage Ltd (processor)"}},
		Rights: Rights{EraseKeeps: "statistics", EraseMaxRecordings: 200, SigningKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
		Encryption: Encryption{Mode: EncryptionPublicKey,
			KEK:         "AGE-SECRET-KEY-16T9T44Z0ZA2ZU4LXLW88SRRRWY8297R4AVPJMXJDWFW28K5583LSSK27T9",
			KEKPrevious: []string{"AGE-SECRET-KEY-1VDY9Z9DFFCZUJVFFD2NKYM3GWJCJMAGQWG0YD2Z2NP65WTFQ2FAST349AW"},
			RotateAfter: Duration(2160 * time.Hour),
			Recipients:  []string{"age1ew0qxxwp4ndu4q2tdy2q8ela4mclsd5eg4548vtn6e36k3uj5dtszce9gx"},
			Vault:       Vault{Address: "https://vault.example.com:8200", Token: "hvs.example-token", Mount: "transit", Key: "consentgw", CA: "/etc/consentgw/vault-ca.pem"}},
		Retention: []RetentionRule{{Route: "support", Region: "US", Keep: Duration(2160 * time.Hour)},
			{Route: "*", Region: "EU"}},
		HTTP: HTTP{Listen: "0.0.0.0:9090"},
	}
	if got := comparable(c); !reflect.DeepEqual(got, want) {
		t.Errorf("full.yaml =\n%+v\nwant\n%+v", got, want)
	}
	// The example must stay complete: every key that exists is written in it.
	for _, l := range leaves(reflect.TypeFor[Config](), "", nil) {
		if _, ok := c.origins[l.path]; !ok {
			t.Errorf("testdata/full.yaml does not set %s", l.path)
		}
	}
	for _, key := range []string{"name", "match", "record_target", "norecord_target", "answer_timeout", "language", "language_menu", "language_menu_prompt", "policy[0].name", "policy[0].countries", "policy[0].mode"} {
		if _, ok := c.origins["routes[0]."+key]; !ok {
			t.Errorf("testdata/full.yaml does not set routes[0].%s", key)
		}
	}
	if !c.Routes[0].Regexp().MatchString("4512345678") || c.Routes[0].Regexp().MatchString("4612345678") {
		t.Error("routes[0] regexp not compiled from ^45")
	}
}

func TestFileRoutesReplaceTheDefaultRoute(t *testing.T) {
	c, err := Load(writeConfig(t, "routes:\n  - name: only\n    record_target: sip:a@10.0.0.1\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Routes) != 1 || c.Routes[0].Name != "only" || c.Routes[0].AnswerTimeout != Duration(30*time.Second) {
		t.Errorf("routes = %+v, want only the file's route with answer_timeout 30s", c.Routes)
	}
}

func TestPartialFileKeepsOtherDefaults(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"empty file", ""},
		{"comment only", "# nothing\n"},
		{"null document", "~\n"},
		{"null section", "consent:\nsip: ~\n"},
		{"unrelated key", "http:\n  listen: 127.0.0.1:8081\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, tt.yaml), nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			d := Default()
			if !reflect.DeepEqual(c.Consent, d.Consent) || !reflect.DeepEqual(c.SIP, d.SIP) || len(c.Routes) != 1 {
				t.Errorf("defaults lost: consent %+v sip %+v routes %+v", c.Consent, c.SIP, c.Routes)
			}
		})
	}
}

func TestYAMLConveniences(t *testing.T) {
	c, err := Load(writeConfig(t, `
consent:
  accept_digits: 1        # an integer is read as its digits
  timeout: 0
sip:
  listen: "tcp:127.0.0.1:0"  # a single string is a one-item list
route_base: &base
routes:
  - &r1
    name: a
    record_target: sip:a@10.0.0.1
  - <<: *r1
    name: b
storage:
  s3:
    secure: yes
`), nil)
	if err == nil {
		t.Fatalf("route_base is not a key, want error; got %+v", c)
	}
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}

	c, err = Load(writeConfig(t, `
consent:
  accept_digits: 1
  timeout: 0
sip:
  listen: "tcp:127.0.0.1:0"
routes:
  - &r1
    name: a
    record_target: sip:a@10.0.0.1
  - <<: *r1
    name: b
storage:
  s3:
    secure: yes
`), nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Consent.AcceptDigits != "1" || c.Consent.Timeout != 0 || len(c.SIP.Listen) != 1 || !c.Storage.S3.Secure {
		t.Errorf("got consent %+v sip %+v secure %v", c.Consent, c.SIP, c.Storage.S3.Secure)
	}
	if len(c.Routes) != 2 || c.Routes[1].Name != "b" || c.Routes[1].RecordTarget != "sip:a@10.0.0.1" {
		t.Errorf("merge key: routes = %+v", c.Routes)
	}
}

func TestLoadMissingFileFails(t *testing.T) {
	if _, err := Load("testdata/does-not-exist.yaml", nil); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}
