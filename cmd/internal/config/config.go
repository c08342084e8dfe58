// Package config holds the gateway's YAML configuration (SPEC §3): the types, their
// defaults (defaults.go, the only place defaults are written), loading from a file and
// CONSENTGW_ environment variables, and validation that names the offending key.
package config

import (
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/consentgw/consentgw/cmd/internal/bus"
)

// Config is the whole configuration file. Every key is optional.
type Config struct {
	DataDir string `yaml:"data_dir"`
	// NodeName names this gateway in receipts, events, metrics, logs and the cluster's
	// live-call registry; it is a NATS subject token, so each node of a cluster has its
	// own (CONSENTGW_NODE_NAME in one shared file).
	NodeName string   `yaml:"node_name"`
	Log      Log      `yaml:"log"`
	SIP      SIP      `yaml:"sip"`
	Media    Media    `yaml:"media"`
	Consent  Consent  `yaml:"consent"`
	Routes   []Route  `yaml:"routes"` // not overridable from the environment: a list of records has no flat name
	Storage  Storage  `yaml:"storage"`
	Subjects Subjects `yaml:"subjects"`
	NATS     NATS     `yaml:"nats"`
	Exports  Exports  `yaml:"exports"`
	Rights   Rights   `yaml:"rights"`
	// Encryption is encryption at rest of recordings and Call-IDs (encryption.go).
	Encryption Encryption `yaml:"encryption"`
	// Retention keeps calls by route and caller region, the longest matching rule
	// winning; storage.retention is a rule for every call. File only, like routes.
	Retention []RetentionRule `yaml:"retention"`
	HTTP      HTTP            `yaml:"http"`

	// origins maps key paths to where their value came from, for error messages.
	origins map[string]origin
}

// origin is where a value was set: a file line or an environment variable.
type origin struct {
	line int
	env  string
}

// Log configures the injected *slog.Logger.
type Log struct {
	Level  string `yaml:"level"`  // debug|info|warn|error
	Format string `yaml:"format"` // text|json
}

// SIP configures the signalling listeners.
type SIP struct {
	Listen     []string `yaml:"listen"`      // "transport:host:port"; see ParseListener
	PublicAddr string   `yaml:"public_addr"` // host or host:port for Contact/Via; "" = listen/primary IP
	// Trusted lists the networks (CIDR or single IP) that may start calls; others get
	// 403. The default is loopback and the private ranges; [] lets everyone in.
	Trusted []string `yaml:"trusted"`
	// MaxCalls caps calls in progress (503 + Retry-After above it); 0 = no cap beyond
	// the media port range.
	MaxCalls int `yaml:"max_calls"`
	// InviteRate is the new INVITEs per second each source IP may send, with bursts of
	// InviteBurst (503 + Retry-After above it); 0 = no limit.
	InviteRate  int     `yaml:"invite_rate"`
	InviteBurst int     `yaml:"invite_burst"`
	TLS         SIPTLS  `yaml:"tls"`
	Auth        SIPAuth `yaml:"auth"`
}

// SIPAuth is SIP digest authentication (RFC 3261 §22) for callers outside sip.trusted,
// such as browser phones: a known user with the right password is let in from anywhere.
type SIPAuth struct {
	Realm string   `yaml:"realm"`
	Users []string `yaml:"users"` // "NAME:PASSWORD"; [] = no digest, untrusted sources get 403
}

// UserPasswords maps sip.auth.users names to passwords; entries without ':' are left out
// (Validate rejects them).
func (a SIPAuth) UserPasswords() map[string]string {
	out := map[string]string{}
	for _, u := range a.Users {
		if name, pw, ok := strings.Cut(u, ":"); ok {
			out[name] = pw
		}
	}
	return out
}

// SIPTLS names PEM files: cert and key for "tls:" and "wss:" listeners, ca for verifying sips: and
// transport=tls targets ("" = the system roots).
type SIPTLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	CA   string `yaml:"ca"`
}

// Media configures the RTP relay.
type Media struct {
	IP      string `yaml:"ip"` // RTP bind and SDP address; "" = SIP public address
	PortMin int    `yaml:"port_min"`
	PortMax int    `yaml:"port_max"`
	// SRTP is SDES-SRTP (RFC 4568) on callers' legs: optional (when offered), required
	// (plain RTP offers get 488) or off (SRTP offers get 488).
	SRTP string `yaml:"srtp"`
	// Latching is who may send a leg's media before its first packet: strict (the
	// address and port in the peer's SDP) or nat (any port of the SDP's IP). Either way,
	// after the first packet only its source is taken.
	Latching string `yaml:"latching"`
}

// Consent configures the prompt and the caller's choice.
type Consent struct {
	Prompt         string   `yaml:"prompt"` // WAV file; "" = built-in English prompt
	Language       string   `yaml:"language"`
	AcceptDigits   string   `yaml:"accept_digits"`
	DeclineDigits  string   `yaml:"decline_digits"`
	WithdrawDigits string   `yaml:"withdraw_digits"` // "" = withdrawal by DTMF disabled
	Timeout        Duration `yaml:"timeout"`         // wait after the prompt ends
	Repeats        int      `yaml:"repeats"`         // extra plays before timing out
	// PauseMax ends a recording pause (consentgw.calls.<id>.pause) on its own.
	PauseMax Duration `yaml:"pause_max"`
	// PolicyVersion names the set of routes[].policy rules in force; receipts cite it.
	PolicyVersion string `yaml:"policy_version"`
	// Prompts are further languages (and the notice and withdrawn prompts of the default
	// language): file only, like routes.
	Prompts []PromptSet `yaml:"prompts"`
}

// PromptSet is the prompts of one language. Empty files mean the built-in prompt of
// that kind and language, where there is one.
type PromptSet struct {
	Language  string   `yaml:"language"`
	Consent   string   `yaml:"consent"`   // WAV asking for consent; for consent.language, consent.prompt is used
	Notice    string   `yaml:"notice"`    // WAV announcing recording (notice-mode rules)
	Withdrawn string   `yaml:"withdrawn"` // WAV confirming a withdrawal
	Countries []string `yaml:"countries"` // callers' countries that hear it on routes with language: auto
}

// PolicyRule sets the consent mode for callers from some countries.
type PolicyRule struct {
	Name      string   `yaml:"name"`      // cited in receipts; default "policy[i]"
	Countries []string `yaml:"countries"` // ISO 3166 alpha-2, e.g. [US, CA]
	Mode      string   `yaml:"mode"`      // opt-in | notice; notice is rejected for EU/EEA countries
}

// Route sends calls whose Request-URI user part matches to a target. First match wins.
type Route struct {
	Name           string   `yaml:"name"`
	Match          string   `yaml:"match"` // Go regexp, unanchored (regexp.MatchString semantics)
	RecordTarget   string   `yaml:"record_target"`
	NorecordTarget string   `yaml:"norecord_target"` // "" = same as record_target
	AnswerTimeout  Duration `yaml:"answer_timeout"`  // how long to wait for the target to answer
	// Language of the route's prompts: "" = consent.language, a language of
	// consent.prompts, or "auto" = by the caller's country (consent.prompts[].countries).
	Language string `yaml:"language"`
	// LanguageMenu, with two or more languages, lets the caller pick one first (key 1 =
	// the first); LanguageMenuPrompt says so. "" = built-in, which exists for [en, da].
	LanguageMenu       []string `yaml:"language_menu"`
	LanguageMenuPrompt string   `yaml:"language_menu_prompt"`
	// Policy picks the consent mode by the caller's country; first match wins, no
	// match and unknown countries get opt-in.
	Policy []PolicyRule `yaml:"policy"`
	// Sources, when set, restricts the route to calls from these networks (CIDR or IP),
	// on top of sip.trusted; others get 403.
	Sources []string `yaml:"sources"`

	re *regexp.Regexp // compiled by Validate
}

// Storage configures the object store.
type Storage struct {
	Dir       string   `yaml:"dir"` // "" = <data_dir>/objects
	S3        S3       `yaml:"s3"`
	Retention Duration `yaml:"retention"` // 0 = keep until erased
	// SpoolMaxMB bounds the local spool (recordings in progress and objects waiting for
	// the store), in MiB. 0 = only its filesystem's free space does.
	SpoolMaxMB int `yaml:"spool_max_mb"`
	// SpoolReserveMB is a call's worth of spool, in MiB: with less room than this left
	// (on the filesystem or under spool_max_mb) the spool is full: /readyz fails and new
	// calls are refused or taken unrecorded (SpoolFull).
	SpoolReserveMB int `yaml:"spool_reserve_mb"`
	// SpoolFull is what new calls get while the spool is full: "reject" (503 with
	// Retry-After) or "unrecorded" (taken, not recorded; the receipt says why).
	SpoolFull string `yaml:"spool_full"`
}

// What storage.spool_full may say.
const (
	SpoolFullReject     = "reject"
	SpoolFullUnrecorded = "unrecorded"
)

// S3 is used instead of Dir when Endpoint is set.
type S3 struct {
	Endpoint  string `yaml:"endpoint"` // host:port
	Bucket    string `yaml:"bucket"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	Secure    bool   `yaml:"secure"`
	Region    string `yaml:"region"`
	SSE       string `yaml:"sse"`       // server-side encryption: "" none, "s3" (SSE-S3), "c" (SSE-C)
	SSECKey   string `yaml:"sse_c_key"` // SSE-C: base64 of 32 bytes; needs secure: true
}

// Subjects configures pseudonymous subject keys (SPEC §5).
type Subjects struct {
	HMACKey        string `yaml:"hmac_key"`       // "" = generated once, kept in data_dir
	DefaultRegion  string `yaml:"default_region"` // ISO 3166 alpha-2 for national numbers
	CustomerHeader string `yaml:"customer_header"`
}

// NATS configures the bus.
type NATS struct {
	URL    string `yaml:"url"`    // "" = start the embedded server
	Listen string `yaml:"listen"` // the embedded server's host:port
	// How to log in to an external server (nats.url): at most one of a credentials file,
	// an nkey seed file, or user and password.
	Credentials  string  `yaml:"credentials"`    // .creds file (JWT and nkey seed)
	NKeySeedFile string  `yaml:"nkey_seed_file"` // file holding an nkey seed (SU…)
	User         string  `yaml:"user"`
	Password     string  `yaml:"password"`
	TLS          NATSTLS `yaml:"tls"`
	// EventsMaxAge is how long the audit trail (CONSENTGW_EVENTS) keeps events; 0 = forever.
	EventsMaxAge Duration `yaml:"events_max_age"`
	// Replicas is how many JetStream servers keep each of the gateway's streams and its
	// live-call registry: 1 (the embedded server), 3 or 5 (a cluster).
	Replicas int `yaml:"replicas"`
	// RequestKeys are the data-subject requesters' HMAC keys, "NAME:BASE64"; when any is
	// set, every erase and export must be signed by one of them (README "Security").
	RequestKeys []string `yaml:"request_keys"`
	// Authorization lists who may log in to the embedded server, by role; with any
	// entry, no one else may (the gateway logs in with a key of its own).
	Authorization NATSAuthorization `yaml:"authorization"`
}

// Auth is the login to an external server these settings give.
func (n NATS) Auth() bus.Auth {
	return bus.Auth{
		CredentialsFile: n.Credentials, NKeySeedFile: n.NKeySeedFile, User: n.User, Password: n.Password,
		TLS: bus.TLS{CA: n.TLS.CA, Cert: n.TLS.Cert, Key: n.TLS.Key},
	}
}

// NATSAuthorization is the embedded server's users with the rights of
// testdata/nats/authz.conf: "NAME:BCRYPT-HASH" or "NAME:NKEY" (a public user nkey, U…).
// NAME's replies go to _INBOX_NAME.
type NATSAuthorization struct {
	CRM         []string `yaml:"crm"`          // may erase
	DPO         []string `yaml:"dpo"`          // may erase, export and read the audit trail
	CallControl []string `yaml:"call_control"` // may withdraw, pause and resume running calls
}

// roleList is one role's entries of nats.authorization.
type roleList struct {
	role    bus.Role
	entries []string
}

func (a NATSAuthorization) lists() []roleList {
	return []roleList{{bus.RoleCRM, a.CRM}, {bus.RoleDPO, a.DPO}, {bus.RoleCallControl, a.CallControl}}
}

// Users are the embedded server's logins; entries Validate rejects are left out.
func (a NATSAuthorization) Users() []bus.User {
	var out []bus.User
	for _, l := range a.lists() {
		for _, e := range l.entries {
			if u, err := bus.ParseUser(l.role, e); err == nil {
				out = append(out, u)
			}
		}
	}
	return out
}

// NATSTLS names PEM files for TLS to an external server: ca verifies the server, cert
// and key authenticate the gateway.
type NATSTLS struct {
	CA   string `yaml:"ca"`
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// Exports configures data-subject export bundles (SPEC §6).
type Exports struct {
	// Expires is how long a bundle and its link last unless the request says otherwise.
	Expires Duration `yaml:"expires"`
	// Purpose and Recipients are the Art. 15 GDPR information in each bundle's manifest;
	// "" and [] = the built-in wording.
	Purpose    string   `yaml:"purpose"`
	Recipients []string `yaml:"recipients"`
}

// Rights configures the data-protection officer's toolkit (erase, certificates).
type Rights struct {
	// EraseKeeps is what stays of an erased receipt: nothing, or statistics (an
	// anonymous tombstone that stats counts).
	EraseKeeps string `yaml:"erase_keeps"`
	// EraseMaxRecordings, if > 0, is the most recordings an erase deletes unless it says
	// confirm: true.
	EraseMaxRecordings int `yaml:"erase_max_recordings"`
	// SigningKey is the Ed25519 seed (base64 of 32 bytes) that signs receipts and
	// erasure certificates; "" = generated once into <data_dir>/signing.key.
	SigningKey string `yaml:"signing_key"`
}

// RetentionRule keeps the calls of a route from callers of a region. Route "" or "*" is
// every route, Region "" or "*" every caller, "EU" the EU/EEA; Keep 0 keeps them until
// erased.
type RetentionRule struct {
	Route  string   `yaml:"route"`
	Region string   `yaml:"region"`
	Keep   Duration `yaml:"keep"`
}

// HTTP configures the metrics, health and phone page listener.
type HTTP struct {
	Listen string `yaml:"listen"`
}

// Regexp returns the route's compiled Match. Load and Validate compile it; on a Route
// that was never validated it compiles on the spot and returns nil if Match is invalid.
func (r Route) Regexp() *regexp.Regexp {
	if r.re != nil {
		return r.re
	}
	re, err := regexp.Compile(r.Match)
	if err != nil {
		return nil
	}
	return re
}

// Target returns the URI to call for the consent outcome.
func (r Route) Target(recorded bool) string {
	if !recorded && r.NorecordTarget != "" {
		return r.NorecordTarget
	}
	return r.RecordTarget
}

// ObjectDir is the local object store: storage.dir, or <data_dir>/objects.
func (c *Config) ObjectDir() string {
	if c.Storage.Dir != "" {
		return c.Storage.Dir
	}
	return filepath.Join(c.DataDir, "objects")
}

// SpoolDir is where granted calls' audio is written during the call.
func (c *Config) SpoolDir() string { return filepath.Join(c.DataDir, "spool") }

// SlogLevel maps log.level to slog; unknown levels (rejected by Validate) map to Info.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}
