package config

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestDefaultsAreTheDocumentedOnes(t *testing.T) {
	c, err := Load("", nil)
	if err != nil {
		t.Fatalf("Load with no file: %v", err)
	}
	want := Config{
		DataDir:  "./data",
		NodeName: defaultNodeName(),
		Log:      Log{Level: "info", Format: "text"},
		SIP: SIP{Listen: []string{"udp:0.0.0.0:5060", "tcp:0.0.0.0:5060"},
			Trusted:    []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"},
			InviteRate: 50, InviteBurst: 100, Auth: SIPAuth{Realm: "consentgw"}},
		Media: Media{PortMin: 20000, PortMax: 40000, SRTP: "optional", Latching: "strict"},
		Consent: Consent{Language: "en", AcceptDigits: "1", DeclineDigits: "2",
			Timeout: Duration(8 * time.Second), Repeats: 1, PauseMax: Duration(5 * time.Minute), PolicyVersion: "1"},
		Routes: []Route{{Name: "default", Match: ".*", RecordTarget: "sip:agents@127.0.0.1:5070",
			AnswerTimeout: Duration(30 * time.Second)}},
		Storage:    Storage{S3: S3{Bucket: "recordings"}, SpoolMaxMB: 10240, SpoolReserveMB: 64, SpoolFull: "reject"},
		Subjects:   Subjects{CustomerHeader: "X-Customer-ID"},
		NATS:       NATS{Listen: "127.0.0.1:4222", Replicas: 1},
		Exports:    Exports{Expires: Duration(24 * time.Hour)},
		Rights:     Rights{EraseKeeps: "nothing"},
		Encryption: Encryption{Mode: EncryptionKeys, Vault: Vault{Mount: "transit", Key: "consentgw"}},
		HTTP:       HTTP{Listen: "127.0.0.1:8080"},
	}
	if got := comparable(c); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults =\n%+v\nwant\n%+v", got, want)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	if c.NodeName == "" {
		t.Error("node_name default is empty")
	}
}

func TestDefaultDirectoriesLiveUnderDataDir(t *testing.T) {
	c := Default()
	if got, want := c.ObjectDir(), filepath.Join("data", "objects"); got != want {
		t.Errorf("ObjectDir() = %q, want %q", got, want)
	}
	if got, want := c.SpoolDir(), filepath.Join("data", "spool"); got != want {
		t.Errorf("SpoolDir() = %q, want %q", got, want)
	}
	c.Storage.Dir = "/srv/objects"
	if got := c.ObjectDir(); got != "/srv/objects" {
		t.Errorf("ObjectDir() with storage.dir = %q", got)
	}
}

func TestDefaultRouteMatchesEverythingAndHasOneTarget(t *testing.T) {
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Routes[0]
	if !r.Regexp().MatchString("4512345678") || !r.Regexp().MatchString("") {
		t.Error("default route does not match every user part")
	}
	if r.Target(true) != r.Target(false) {
		t.Errorf("norecord target %q differs from record target %q", r.Target(false), r.Target(true))
	}
}

func TestListenersOfDefaults(t *testing.T) {
	ls, err := Default().Listeners()
	if err != nil {
		t.Fatal(err)
	}
	want := []Listener{{"udp", "0.0.0.0", 5060}, {"tcp", "0.0.0.0", 5060}}
	if !reflect.DeepEqual(ls, want) {
		t.Errorf("Listeners() = %+v, want %+v", ls, want)
	}
}

func TestNodeNameFromTheHostNameIsASubjectToken(t *testing.T) {
	for host, want := range map[string]string{
		"gw-cph-1":            "gw-cph-1",
		"gw1.dc1.example.com": "gw1",
		"host with space":     "host-with-space",
		"":                    "consentgw",
		".leading-dot":        "consentgw",
		"n\u00f8de_7":         "n-de_7",
	} {
		if got := nodeNameOf(host); got != want {
			t.Errorf("nodeNameOf(%q) = %q, want %q", host, got, want)
		}
	}
}
