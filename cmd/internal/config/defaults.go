package config

import (
	"os"
	"strings"
	"time"
)

// Default returns the documented defaults of SPEC §3. This is the only place they are
// written; Load starts from it.
func Default() *Config {
	return &Config{
		DataDir:  "./data",
		NodeName: defaultNodeName(),
		Log:      Log{Level: "info", Format: "text"},
		SIP: SIP{
			Listen:      []string{"udp:0.0.0.0:5060", "tcp:0.0.0.0:5060"},
			Trusted:     DefaultTrusted(),
			InviteRate:  50,
			InviteBurst: 100,
			Auth:        SIPAuth{Realm: "consentgw"},
		},
		Media: Media{PortMin: 20000, PortMax: 40000, SRTP: "optional", Latching: "strict"},
		Consent: Consent{
			Language:      "en",
			AcceptDigits:  "1",
			DeclineDigits: "2",
			Timeout:       Duration(8 * time.Second),
			Repeats:       1,
			PauseMax:      Duration(5 * time.Minute),
			PolicyVersion: "1",
		},
		Routes: []Route{withRouteDefaults(Route{
			Name:         "default",
			Match:        ".*",
			RecordTarget: "sip:agents@127.0.0.1:5070",
		})},
		Storage:    Storage{S3: S3{Bucket: "recordings"}, SpoolMaxMB: 10240, SpoolReserveMB: 64, SpoolFull: SpoolFullReject},
		Subjects:   Subjects{CustomerHeader: "X-Customer-ID"},
		NATS:       NATS{Listen: "127.0.0.1:4222", Replicas: 1},
		Exports:    Exports{Expires: Duration(24 * time.Hour)},
		Rights:     Rights{EraseKeeps: "nothing"},
		Encryption: Encryption{Mode: EncryptionKeys, Vault: Vault{Mount: "transit", Key: "consentgw"}},
		HTTP:       HTTP{Listen: "127.0.0.1:8080"},
	}
}

// withRouteDefaults fills the keys a route in the file may leave out. A file's routes:
// list replaces the default route entirely, so each entry starts from here.
func withRouteDefaults(r Route) Route {
	if r.AnswerTimeout == 0 {
		r.AnswerTimeout = Duration(30 * time.Second)
	}
	return r
}

// defaultNodeName is this host's name as a node name (nodeNameOf).
func defaultNodeName() string {
	h, _ := os.Hostname()
	return nodeNameOf(h)
}

// nodeNameOf is a host name up to its first dot, with any character a NATS subject token
// may not hold turned into '-'; "consentgw" when that leaves nothing.
func nodeNameOf(host string) string {
	h, _, _ := strings.Cut(host, ".")
	if h == "" {
		return "consentgw"
	}
	if len(h) > maxNodeName {
		h = h[:maxNodeName]
	}
	return strings.Map(func(r rune) rune {
		if validNodeRune(r) {
			return r
		}
		return '-'
	}, h)
}

// DefaultTrusted is sip.trusted out of the box: loopback and the private ranges (RFC 1918,
// RFC 4193), so a fresh install answers the lab and the LAN but not the internet.
func DefaultTrusted() []string {
	return []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}
}
