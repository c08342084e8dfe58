package config

import (
	"errors"
	"strings"
	"testing"
)

// TestFileRejectsBadKeysAndValues loads each bad file and expects the message to name the
// key path (and line) and the error to match the sentinel.
func TestFileRejectsBadKeysAndValues(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // substring of the error message
		is   error
	}{
		{"unknown top key", "data_dri: x\n", "config: data_dri: unknown key (line 1)", ErrUnknownKey},
		{"unknown nested key", "log:\n  level: info\nsip:\n  listne: []\n", "config: sip.listne: unknown key (line 4)", ErrUnknownKey},
		{"unknown s3 key", "storage:\n  s3:\n    bukket: x\n", "config: storage.s3.bukket: unknown key (line 3)", ErrUnknownKey},
		{"unknown route key", "routes:\n  - name: a\n    record_target: sip:a@h\n    tagret: x\n", "config: routes[0].tagret: unknown key (line 4)", ErrUnknownKey},
		{"not YAML", "sip: [\n", "not valid YAML", ErrInvalidValue},
		{"top level is a list", "- a\n", "(top level): want a mapping", ErrInvalidValue},
		{"section is a scalar", "sip: udp\n", "config: sip: want a mapping", ErrInvalidValue},
		{"key given twice", "data_dir: a\ndata_dir: b\n", "config: data_dir: key given twice (line 2)", ErrInvalidValue},
		{"leaf is a list", "data_dir: [a]\n", "config: data_dir: want a single value", ErrInvalidValue},
		{"routes is a mapping", "routes:\n  name: a\n", "config: routes: want a list", ErrInvalidValue},
		{"empty data_dir", "data_dir: ''\n", "config: data_dir: must not be empty (line 1)", ErrInvalidValue},
		{"node name with a dot", "node_name: gw.cph.1\n", "config: node_name: \"gw.cph.1\": want 1-64 letters, digits", ErrInvalidValue},
		{"node name with a space", "node_name: gw 1\n", "config: node_name:", ErrInvalidValue},
		{"replicas 2", "nats:\n  url: nats://a:4222\n  replicas: 2\n", "config: nats.replicas: 2: want 1, 3 or 5", ErrInvalidValue},
		{"replicas on the embedded server", "nats:\n  replicas: 3\n", "config: nats.replicas: the embedded server is one server", ErrInvalidValue},
		{"bad log level", "log:\n  level: verbose\n", "config: log.level: unknown level \"verbose\"", ErrInvalidValue},
		{"bad log format", "log:\n  format: xml\n", "config: log.format: unknown format", ErrInvalidValue},

		{"no listeners", "sip:\n  listen: []\n", "config: sip.listen: needs at least one listener", ErrInvalidValue},
		{"unknown transport", "sip:\n  listen: [\"udp:0.0.0.0:5060\", \"sctp:0.0.0.0:5060\"]\n", "config: sip.listen[1]: listener \"sctp:0.0.0.0:5060\": unknown transport", ErrInvalidValue},
		{"listener without port", "sip:\n  listen: [\"udp:0.0.0.0\"]\n", "config: sip.listen[0]: listener", ErrInvalidValue},
		{"listener bad port", "sip:\n  listen: [\"udp:0.0.0.0:99999\"]\n", "config: sip.listen[0]:", ErrInvalidValue},
		{"listener bad host", "sip:\n  listen: [\"udp:bad_host!:5060\"]\n", "config: sip.listen[0]:", ErrInvalidValue},
		{"listener empty host", "sip:\n  listen: [\"udp::5060\"]\n", "config: sip.listen[0]:", ErrInvalidValue},
		{"duplicate listener", "sip:\n  listen: [\"udp:0.0.0.0:5060\", \"UDP:0.0.0.0:5060\"]\n", "config: sip.listen[1]: listener \"UDP:0.0.0.0:5060\" is given twice", ErrInvalidValue},
		{"bad public addr", "sip:\n  public_addr: \"a b\"\n", "config: sip.public_addr:", ErrInvalidValue},
		{"request key too short", "nats:\n  request_keys: [\"crm:c2hvcnQ=\"]\n", "config: nats.request_keys[0]: the key of \"crm\" must be the base64 of at least 32", ErrInvalidValue},
		{"request key twice", "nats:\n  request_keys: [\"crm:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\", \"crm:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"]\n", "config: nats.request_keys: requester \"crm\" has two keys", ErrInvalidValue},
		{"tls listener without cert", "sip:\n  listen: [\"tls:0.0.0.0:5061\"]\n", "config: sip.listen[0]: listener \"tls:0.0.0.0:5061\" needs sip.tls.cert and sip.tls.key", ErrInvalidValue},
		{"tls cert without key", "sip:\n  tls:\n    cert: a.pem\n", "config: sip.tls.cert: sip.tls.cert and sip.tls.key must be set together", ErrInvalidValue},
		{"digest user without password", "sip:\n  auth:\n    users: [alice]\n", "config: sip.auth.users[0]: want NAME:PASSWORD", ErrInvalidValue},
		{"bad srtp", "media:\n  srtp: sometimes\n", "config: media.srtp: unknown setting \"sometimes\"", ErrInvalidValue},
		{"bad latching", "media:\n  latching: loose\n", "config: media.latching: unknown setting \"loose\": want strict or nat", ErrInvalidValue},
		{"empty latching", "media:\n  latching: \"\"\n", "config: media.latching: unknown setting \"\"", ErrInvalidValue},
		{"trusted not a network", "sip:\n  trusted: [10.0.0.0/8, carrier]\n", "config: sip.trusted[1]: \"carrier\" is neither an IP address nor a CIDR (line 2)", ErrInvalidValue},
		{"trusted host bits", "sip:\n  trusted: [10.0.0.1/8]\n", "config: sip.trusted[0]: \"10.0.0.1/8\" has host bits set: did you mean 10.0.0.0/8?", ErrInvalidValue},
		{"negative max_calls", "sip:\n  max_calls: -1\n", "config: sip.max_calls: -1 must not be negative", ErrInvalidValue},
		{"rate without burst", "sip:\n  invite_rate: 5\n  invite_burst: 0\n", "config: sip.invite_burst: must be at least 1", ErrInvalidValue},
		{"route source not a network", "routes:\n  - name: a\n    record_target: sip:a@h\n    sources: [\"1.2.3.4/33\"]\n", "config: routes[0].sources[0]: \"1.2.3.4/33\" is not a CIDR", ErrInvalidValue},

		{"bad erase_keeps", "rights:\n  erase_keeps: everything\n", "config: rights.erase_keeps: \"everything\": want nothing or statistics (line 2)", ErrInvalidValue},
		{"negative erase limit", "rights:\n  erase_max_recordings: -1\n", "config: rights.erase_max_recordings:", ErrInvalidValue},
		{"short signing key", "rights:\n  signing_key: c2hvcnQ=\n", "config: rights.signing_key: must be the base64 of 32", ErrInvalidValue},
		{"unknown encryption mode", "encryption:\n  mode: aes\n", "config: encryption.mode: \"aes\": want", ErrInvalidValue},
		{"kek not an age identity", "encryption:\n  kek: hunter2\n", "config: encryption.kek: not an age X25519 identity", ErrInvalidValue},
		{"public_key without recipients", "encryption:\n  mode: public_key\n", "config: encryption.recipients: must name at least one", ErrInvalidValue},
		{"recipient not an age key", "encryption:\n  mode: public_key\n  recipients: [ssh-ed25519 AAAA]\n", "config: encryption.recipients[0]: not an age X25519 recipient", ErrInvalidValue},
		{"recipients without public_key", "encryption:\n  recipients: [age1ew0qxxwp4ndu4q2tdy2q8ela4mclsd5eg4548vtn6e36k3uj5dtszce9gx]\n", "config: encryption.recipients: only with encryption.mode \"public_key\"", ErrInvalidValue},
		{"vault without token", "encryption:\n  vault:\n    address: http://127.0.0.1:8200\n", "config: encryption.vault.token: must be set", ErrInvalidValue},
		{"vault over plain http to another host", "encryption:\n  vault:\n    address: http://vault.example.com:8200\n    token: t\n", "config: encryption.vault.address: \"http://vault.example.com:8200\": plain http only to a loopback address", ErrInvalidValue},
		{"retention without keep", "retention:\n  - route: default\n", "config: retention[0].keep: must be set", ErrInvalidValue},
		{"retention unknown route", "retention:\n  - route: sales\n    keep: 24h\n", "config: retention[0].route: \"sales\" is not the name of a route (or * for all) (line 2)", ErrInvalidValue},
		{"retention bad region", "retention:\n  - region: Denmark\n    keep: 24h\n", "config: retention[0].region[0]: \"Denmark\" is not", ErrInvalidValue},
		{"retention twice", "retention:\n  - region: US\n    keep: 24h\n  - route: \"*\"\n    region: US\n    keep: 48h\n", "config: retention[1]: has the route and region of retention[0]", ErrInvalidValue},
		{"retention negative", "retention:\n  - keep: -1h\n", "config: retention[0].keep: -1h0m0s must not be negative", ErrInvalidValue},
		{"retention not a list", "retention: 720h\n", "config: retention: want a list", ErrInvalidValue},
		{"media ip not an IP", "media:\n  ip: gateway.local\n", "config: media.ip: \"gateway.local\" is not an IP address (line 2)", ErrInvalidValue},
		{"media ip unspecified", "media:\n  ip: 0.0.0.0\n", "config: media.ip:", ErrInvalidValue},
		{"media ip two of a family", "media:\n  ip: \"192.0.2.10, 192.0.2.11\"\n", "config: media.ip: \"192.0.2.10, 192.0.2.11\": at most one IPv4 and one IPv6 address", ErrInvalidValue},
		{"media ip list with a name", "media:\n  ip: \"192.0.2.10, gw6.local\"\n", "config: media.ip: \"gw6.local\" is not an IP address", ErrInvalidValue},
		{"port_min not a number", "media:\n  port_min: low\n", "config: media.port_min: invalid integer \"low\" (line 2)", ErrInvalidValue},
		{"port_min zero", "media:\n  port_min: 0\n", "config: media.port_min: 0 is outside 1..65535", ErrInvalidValue},
		{"port_max too high", "media:\n  port_max: 70000\n", "config: media.port_max: 70000 is outside", ErrInvalidValue},
		{"port_min above port_max", "media:\n  port_min: 30000\n  port_max: 20000\n", "config: media.port_min: 30000 is above port_max 20000", ErrInvalidValue},
		{"single port", "media:\n  port_min: 30000\n  port_max: 30000\n", "config: media.port_max: range 30000-30000 holds no even RTP port", ErrInvalidValue},
		{"odd pair", "media:\n  port_min: 30001\n  port_max: 30002\n", "config: media.port_max: range 30001-30002", ErrInvalidValue},

		{"bad duration", "consent:\n  timeout: 8 seconds\n", "config: consent.timeout: invalid duration \"8 seconds\"", ErrInvalidValue},
		{"duration without unit", "consent:\n  timeout: 8\n", "config: consent.timeout: invalid duration \"8\"", ErrInvalidValue},
		{"negative timeout", "consent:\n  timeout: -1s\n", "config: consent.timeout: -1s must not be negative (line 2)", ErrInvalidValue},
		{"negative repeats", "consent:\n  repeats: -1\n", "config: consent.repeats: -1 must not be negative", ErrInvalidValue},
		{"bad language", "consent:\n  language: english!\n", "config: consent.language:", ErrInvalidValue},
		{"empty accept digits", "consent:\n  accept_digits: ''\n", "config: consent.accept_digits: must not be empty", ErrInvalidValue},
		{"bad accept digit", "consent:\n  accept_digits: '1x'\n", "config: consent.accept_digits: \"1x\" has \"x\"", ErrInvalidValue},
		{"lower-case letter digit", "consent:\n  decline_digits: 'a'\n", "config: consent.decline_digits: \"a\" has \"a\"", ErrInvalidValue},
		{"bad withdraw digit", "consent:\n  withdraw_digits: '*9!'\n", "config: consent.withdraw_digits:", ErrInvalidValue},
		{"zero pause_max", "consent:\n  pause_max: 0s\n", "config: consent.pause_max: 0s must be from 1s to 1h", ErrInvalidValue},
		{"pause_max too long", "consent:\n  pause_max: 2h\n", "config: consent.pause_max:", ErrInvalidValue},
		{"empty policy version", "consent:\n  policy_version: ''\n", "config: consent.policy_version: must be a non-empty name", ErrInvalidValue},
		{"prompt language bad", "consent:\n  prompts:\n    - language: 'da dk'\n", "config: consent.prompts[0].language:", ErrInvalidValue},
		{"prompt language twice", "consent:\n  prompts:\n    - language: da\n    - language: da\n", "config: consent.prompts[1].language: \"da\" is also the language of consent.prompts[0]", ErrInvalidValue},
		{"prompt country lower case", "consent:\n  prompts:\n    - language: da\n      countries: [dk]\n", "config: consent.prompts[0].countries[0]: \"dk\" is not an upper-case ISO 3166", ErrInvalidValue},
		{"default language consent twice", "consent:\n  prompts:\n    - language: en\n      consent: /x.wav\n", "config: consent.prompts[0].consent: the default language's consent prompt is consent.prompt", ErrInvalidValue},
		{"unknown prompt key", "consent:\n  prompts:\n    - language: da\n      file: x\n", "config: consent.prompts[0].file: unknown key", ErrUnknownKey},
		{"route language unknown", "routes:\n  - name: a\n    record_target: sip:a@h\n    language: de\n", "config: routes[0].language: \"de\" is neither", ErrInvalidValue},
		{"menu of one", "routes:\n  - name: a\n    record_target: sip:a@h\n    language_menu: [en]\n", "config: routes[0].language_menu: offers 1 languages", ErrInvalidValue},
		{"menu language unknown", "routes:\n  - name: a\n    record_target: sip:a@h\n    language_menu: [en, sv]\n    language_menu_prompt: /m.wav\n", "config: routes[0].language_menu[1]: \"sv\" is neither", ErrInvalidValue},
		{"menu without prompt", "consent:\n  prompts:\n    - language: de\n      consent: /de.wav\nroutes:\n  - name: a\n    record_target: sip:a@h\n    language_menu: [en, de]\n", "config: routes[0].language_menu_prompt: must name a WAV", ErrInvalidValue},
		{"notice for an EU country", "routes:\n  - name: a\n    record_target: sip:a@h\n    policy:\n      - countries: [US, DK]\n        mode: notice\n", "config: routes[0].policy[0].countries[1]: DK is in the EU/EEA: only opt-in is allowed", ErrInvalidValue},
		{"notice for Norway (EEA)", "routes:\n  - name: a\n    record_target: sip:a@h\n    policy:\n      - countries: [NO]\n        mode: notice\n", "config: routes[0].policy[0].countries[0]: NO is in the EU/EEA", ErrInvalidValue},
		{"unknown mode", "routes:\n  - name: a\n    record_target: sip:a@h\n    policy:\n      - countries: [US]\n        mode: implied\n", "config: routes[0].policy[0].mode: \"implied\": want opt-in or notice", ErrInvalidValue},
		{"rule without countries", "routes:\n  - name: a\n    record_target: sip:a@h\n    policy:\n      - mode: notice\n", "config: routes[0].policy[0].countries: needs at least one country", ErrInvalidValue},
		{"rule with a bad country", "routes:\n  - name: a\n    record_target: sip:a@h\n    policy:\n      - countries: [USA]\n        mode: opt-in\n", "config: routes[0].policy[0].countries[0]: \"USA\"", ErrInvalidValue},
		{"accept and decline overlap", "consent:\n  accept_digits: '12'\n  decline_digits: '2'\n", "config: consent.decline_digits: \"2\" is also an accept digit (line 3)", ErrInvalidValue},

		{"no routes", "routes: []\n", "config: routes: needs at least one route", ErrInvalidValue},
		{"route without name", "routes:\n  - record_target: sip:a@h\n", "config: routes[0].name: must not be empty (line 2)", ErrInvalidValue},
		{"duplicate route names", "routes:\n  - name: a\n    record_target: sip:a@h\n  - name: a\n    record_target: sip:b@h\n", "config: routes[1].name: \"a\" is also the name of routes[0] (line 4)", ErrInvalidValue},
		{"bad regexp", "routes:\n  - name: a\n    match: \"(\"\n    record_target: sip:a@h\n", "config: routes[0].match: invalid regexp \"(\": error parsing regexp", ErrInvalidValue},
		{"bad regexp second route", "routes:\n  - name: a\n    record_target: sip:a@h\n  - name: b\n    match: \"[\"\n    record_target: sip:a@h\n", "config: routes[1].match: invalid regexp \"[\"", ErrInvalidValue},
		{"route without target", "routes:\n  - name: a\n", "config: routes[0].record_target: must be set", ErrInvalidValue},
		{"target not SIP", "routes:\n  - name: a\n    record_target: tel:+4512345678\n", "config: routes[0].record_target: \"tel:+4512345678\" is not a sip: or sips: URI", ErrInvalidValue},
		{"target without host", "routes:\n  - name: a\n    record_target: \"sip:\"\n", "config: routes[0].record_target:", ErrInvalidValue},
		{"target not a URI", "routes:\n  - name: a\n    record_target: agents\n", "config: routes[0].record_target:", ErrInvalidValue},
		{"norecord target not SIP", "routes:\n  - name: a\n    record_target: sip:a@h\n    norecord_target: http://x\n", "config: routes[0].norecord_target:", ErrInvalidValue},
		{"zero answer timeout", "routes:\n  - name: a\n    record_target: sip:a@h\n    answer_timeout: 0s\n", "config: routes[0].answer_timeout: 0s must be positive", ErrInvalidValue},

		{"endpoint with scheme", "storage:\n  s3:\n    endpoint: http://minio:9000\n", "config: storage.s3.endpoint: \"http://minio:9000\": want host:port without a scheme", ErrInvalidValue},
		{"endpoint without port", "storage:\n  s3:\n    endpoint: minio\n", "config: storage.s3.endpoint:", ErrInvalidValue},
		{"bucket empty with endpoint", "storage:\n  s3:\n    endpoint: minio:9000\n    bucket: ''\n", "config: storage.s3.bucket: must be set", ErrInvalidValue},
		{"bad bucket", "storage:\n  s3:\n    bucket: Recordings_2024\n", "config: storage.s3.bucket:", ErrInvalidValue},
		{"bad secure", "storage:\n  s3:\n    secure: maybe\n", "config: storage.s3.secure: invalid boolean \"maybe\"", ErrInvalidValue},
		{"negative retention", "storage:\n  retention: -24h\n", "config: storage.retention: -24h0m0s must not be negative", ErrInvalidValue},
		{"negative spool bound", "storage:\n  spool_max_mb: -1\n", "config: storage.spool_max_mb: -1 must not be negative", ErrInvalidValue},
		{"unknown encryption", "storage:\n  s3:\n    sse: kms\n", `config: storage.s3.sse: "kms": want "", "s3" or "c"`, ErrInvalidValue},
		{"SSE-C without a key", "storage:\n  s3:\n    sse: c\n    secure: true\n", `config: storage.s3.sse_c_key: must be the base64 of 32 bytes when storage.s3.sse is "c"`, ErrInvalidValue},
		{"SSE-C over plain HTTP", "storage:\n  s3:\n    sse: c\n    sse_c_key: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n", "config: storage.s3.secure: must be true with SSE-C: S3 refuses customer keys over plain HTTP", ErrInvalidValue},

		{"short hmac key", "subjects:\n  hmac_key: secret\n", "config: subjects.hmac_key: is shorter than 16", ErrInvalidValue},
		{"region not ISO", "subjects:\n  default_region: Denmark\n", "config: subjects.default_region: \"Denmark\" is not", ErrInvalidValue},
		{"region unknown", "subjects:\n  default_region: XX\n", "config: subjects.default_region: \"XX\"", ErrInvalidValue},
		{"region lower case", "subjects:\n  default_region: dk\n", "config: subjects.default_region: \"dk\"", ErrInvalidValue},
		{"bad header name", "subjects:\n  customer_header: \"X Customer\"\n", "config: subjects.customer_header:", ErrInvalidValue},

		{"bad nats url", "nats:\n  url: \"http://x:4222\"\n", "config: nats.url: \"http://x:4222\": scheme must be", ErrInvalidValue},
		{"nats listen not host:port", "nats:\n  listen: localhost\n", "config: nats.listen: \"localhost\" is not host:port (line 2)", ErrInvalidValue},
		{"http listen bad port", "http:\n  listen: \"127.0.0.1:http\"\n", "config: http.listen:", ErrInvalidValue},
		{"two nats logins", "nats:\n  url: nats://n:4222\n  user: gw\n  credentials: /x.creds\n", "config: nats.credentials: set only one of", ErrInvalidValue},
		{"nats password without user", "nats:\n  url: nats://n:4222\n  password: pw\n", "config: nats.password: needs nats.user (line 3)", ErrInvalidValue},
		{"wss without certificate", "sip:\n  listen: [\"wss:0.0.0.0:8089\"]\n", "config: sip.listen[0]: listener \"wss:0.0.0.0:8089\" needs sip.tls.cert and sip.tls.key", ErrInvalidValue},
		{"sip cert without key", "sip:\n  tls:\n    cert: /c.pem\n", "config: sip.tls.cert: sip.tls.cert and sip.tls.key must be set together", ErrInvalidValue},
		{"nats cert without key", "nats:\n  url: nats://n:4222\n  tls:\n    cert: /c.pem\n", "config: nats.tls.cert: nats.tls.cert and nats.tls.key must be set together", ErrInvalidValue},
		{"nats login for the embedded server", "nats:\n  user: gw\n", "config: nats.user: applies to an external server only", ErrInvalidValue},
		{"negative events max age", "nats:\n  events_max_age: -1h\n", "config: nats.events_max_age: -1h0m0s must not be negative", ErrInvalidValue},
		{"nats user with a plain password", "nats:\n  authorization:\n    crm: [\"crm:hunter2hunter2\"]\n", "config: nats.authorization.crm[0]: user crm: want a bcrypt hash ($2a$…) or a public user nkey (U…), not a password", ErrInvalidValue},
		{"nats user without a name", "nats:\n  authorization:\n    dpo: [\"UAGK5ITCWXCZNFWWDM5C7PBC2FUH46TZ2HXZTCCIYP5IRCXLVKRDTW5N\"]\n", "config: nats.authorization.dpo[0]: want NAME:BCRYPT-HASH or NAME:NKEY", ErrInvalidValue},
		{"nats user with a broken hash", "nats:\n  authorization:\n    crm: [\"crm:$2a$10$short\"]\n", "config: nats.authorization.crm[0]: user crm: not a bcrypt hash", ErrInvalidValue},
		{"nats user twice", "nats:\n  authorization:\n    crm: [\"desk:$2a$10$Qs9Uk7ndMYmYi4Fr/ZYfGOEWwlJVReRwzFy63Uy.dgFo/GAg.EGeS\"]\n    call_control: [\"desk:UAGK5ITCWXCZNFWWDM5C7PBC2FUH46TZ2HXZTCCIYP5IRCXLVKRDTW5N\"]\n", "config: nats.authorization.call_control[0]: user desk is given twice", ErrInvalidValue},
		{"nats users for an external server", "nats:\n  url: nats://n:4222\n  authorization:\n    crm: [\"crm:$2a$10$Qs9Uk7ndMYmYi4Fr/ZYfGOEWwlJVReRwzFy63Uy.dgFo/GAg.EGeS\"]\n", "config: nats.authorization.crm[0]: the embedded server's users", ErrInvalidValue},
		{"exports expire beyond a presigned link", "exports:\n  expires: 200h\n", "config: exports.expires: 200h0m0s must be from 1m to 168h", ErrInvalidValue},
		{"exports expire at once", "exports:\n  expires: 0s\n", "config: exports.expires:", ErrInvalidValue},
		{"empty export recipient", "exports:\n  recipients: [\"a\", \" \"]\n", "config: exports.recipients[1]: must not be empty", ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.yaml), nil)
			if err == nil {
				t.Fatalf("Load accepted:\n%s", tt.yaml)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}

func TestValidAlternativesAreAccepted(t *testing.T) {
	tests := []struct{ name, yaml string }{
		{"all transports", "sip:\n  listen: [\"udp:0.0.0.0:5060\", \"tcp:[::1]:5060\", \"tls:localhost:5061\", \"ws:0.0.0.0:8088\", \"wss:0.0.0.0:8089\"]\n  tls:\n    cert: c.pem\n    key: k.pem\n"},
		{"ephemeral port for tests", "sip:\n  listen: [\"udp:127.0.0.1:0\"]\nhttp:\n  listen: \"127.0.0.1:0\"\n"},
		{"http on all interfaces", "http:\n  listen: \":8080\"\n"},
		{"two-port range", "media:\n  port_min: 30000\n  port_max: 30001\n"},
		{"odd start", "media:\n  port_min: 30001\n  port_max: 30003\n"},
		{"nat latching", "media:\n  latching: nat\n"},
		{"ipv6 media", "media:\n  ip: \"2001:db8::10\"\n"},
		{"dual-stack media", "media:\n  ip: \"192.0.2.10, 2001:db8::10\"\n"},
		{"public addr host only", "sip:\n  public_addr: 203.0.113.5\n"},
		{"public addr ipv6", "sip:\n  public_addr: \"2001:db8::5\"\n"},
		{"no decline digits", "consent:\n  decline_digits: ''\n"},
		{"zero timeout and repeats", "consent:\n  timeout: 0s\n  repeats: 0\n"},
		{"letters and symbols", "consent:\n  accept_digits: 'A*'\n  decline_digits: '#D'\n"},
		{"region tag", "consent:\n  language: da-DK\n"},
		{"no customer header", "subjects:\n  customer_header: ''\n"},
		{"notice for US, opt-in for the EU", "routes:\n  - name: a\n    record_target: sip:a@h\n    language: da\n    policy:\n      - countries: [US, CA]\n        mode: notice\n      - countries: [DK, DE]\n        mode: opt-in\nconsent:\n  prompts:\n    - language: da\n"},
		{"built-in menu", "consent:\n  prompts:\n    - language: da\nroutes:\n  - name: a\n    record_target: sip:a@h\n    language_menu: [en, da]\n"},
		{"language by country", "routes:\n  - name: a\n    record_target: sip:a@h\n    language: auto\n"},
		{"default language named", "routes:\n  - name: a\n    record_target: sip:a@h\n    language: en\n"},

		{"nats url list", "nats:\n  url: \"nats://a:4222, tls://b:4222\"\n"},
		{"nats host:port", "nats:\n  url: \"127.0.0.1:4222\"\n"},
		{"nats user and tls", "nats:\n  url: tls://n:4222\n  user: gw\n  password: pw\n  tls:\n    ca: /ca.pem\n    cert: /c.pem\n    key: /k.pem\n"},
		{"nats nkey", "nats:\n  url: nats://n:4222\n  nkey_seed_file: /gw.nk\n  events_max_age: 720h\n"},
		{"embedded nats users", "nats:\n  listen: 0.0.0.0:4222\n  authorization:\n    crm: [\"crm:$2a$10$Qs9Uk7ndMYmYi4Fr/ZYfGOEWwlJVReRwzFy63Uy.dgFo/GAg.EGeS\"]\n    dpo: [\"dpo:UAGK5ITCWXCZNFWWDM5C7PBC2FUH46TZ2HXZTCCIYP5IRCXLVKRDTW5N\"]\n    call_control: []\n"},
		{"export expiry a week", "exports:\n  expires: 168h\n  recipients: [\"Example A/S\"]\n"},
		{"ipv6 target", "routes:\n  - name: a\n    record_target: \"sip:agents@[2001:db8::5]:5070\"\n"},
		{"sips target with params", "routes:\n  - name: a\n    record_target: \"sips:agents@pbx.example.com;transport=tcp\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(writeConfig(t, tt.yaml), nil); err != nil {
				t.Errorf("Load rejected valid config: %v", err)
			}
		})
	}
}

func TestAllProblemsAreReportedTogether(t *testing.T) {
	_, err := Load(writeConfig(t, "log:\n  level: loud\nconsent:\n  repeats: -2\n"), nil)
	if err == nil {
		t.Fatal("Load accepted two bad values")
	}
	for _, want := range []string{"log.level", "consent.repeats"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestValidateCompilesRoutesBuiltInCode(t *testing.T) {
	c := Default()
	c.Routes = []Route{{Name: "x", Match: "^1", RecordTarget: "sip:x@10.0.0.1", AnswerTimeout: Duration(1)}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Routes[0].re == nil || !c.Routes[0].Regexp().MatchString("123") {
		t.Error("Validate did not compile the route")
	}
	if (Route{Match: "("}).Regexp() != nil {
		t.Error("Regexp of an invalid pattern is not nil")
	}
	var fe *FieldError
	c.Routes[0].Match = "("
	if err := c.Validate(); !errors.As(err, &fe) || fe.Path != "routes[0].match" || fe.Line != 0 {
		t.Errorf("Validate err = %#v, want a FieldError at routes[0].match without line", err)
	}
}
