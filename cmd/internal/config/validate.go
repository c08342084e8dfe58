package config

import (
	"encoding/base64"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/emiago/sipgo/sip"
	"github.com/nyaruka/phonenumbers"

	"github.com/consentgw/consentgw/cmd/internal/bus"
	"github.com/consentgw/consentgw/consent/policy"
	"github.com/consentgw/consentgw/consent/rights"
)

// maxNodeName bounds node_name, which is part of NATS subjects and registry keys.
const maxNodeName = 64

// validNodeRune is what a node name may hold: a NATS subject token's safe characters.
func validNodeRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// minHMACKeyLen keeps operator-chosen pseudonym keys out of guessing range; generated keys
// are longer.
const minHMACKeyLen = 16

// dtmfDigits are the RFC 4733 §3.2 events 0-15 as written in configuration.
const dtmfDigits = "0123456789*#ABCD"

var (
	languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
	bucketName  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// RFC 3261 §25.1 token: what a header field name may contain.
	headerName = regexp.MustCompile("^[A-Za-z0-9.!%*_+`'~-]+$")
)

// Validate checks every setting and compiles the routes' regexps. It reports all problems,
// each a *FieldError naming the key and where its value came from.
func (c *Config) Validate() error {
	v := validator{c: c}
	v.top()
	v.sip()
	v.media()
	v.consent()
	v.routes()
	v.storage()
	v.subjects()
	v.network()
	v.natsAuth()
	v.exports()
	v.rights()
	v.encryption()
	v.retention()
	return errors.Join(v.errs...)
}

type validator struct {
	c    *Config
	errs []error
}

func (v *validator) check(path string, err error) {
	if err != nil {
		v.errs = append(v.errs, v.c.fieldError(path, err))
	}
}

func (v *validator) top() {
	c := v.c
	if c.DataDir == "" {
		v.check("data_dir", invalid("must not be empty"))
	}
	if c.NodeName == "" || len(c.NodeName) > maxNodeName || strings.ContainsFunc(c.NodeName, func(r rune) bool { return !validNodeRune(r) }) {
		v.check("node_name", invalid("%q: want 1-%d letters, digits, '-' or '_' (it names the node in NATS subjects; set CONSENTGW_NODE_NAME per node)", c.NodeName, maxNodeName))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		v.check("log.level", invalid("unknown level %q: want debug, info, warn or error", c.Log.Level))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		v.check("log.format", invalid("unknown format %q: want text or json", c.Log.Format))
	}
}

func (v *validator) sip() {
	c := v.c
	if len(c.SIP.Listen) == 0 {
		v.check("sip.listen", invalid("needs at least one listener"))
	}
	seen := map[string]bool{}
	for i, s := range c.SIP.Listen {
		l, err := ParseListener(s)
		if err != nil {
			v.check(indexPath("sip.listen", i), err)
			continue
		}
		if (l.Transport == "tls" || l.Transport == "wss") && (c.SIP.TLS.Cert == "" || c.SIP.TLS.Key == "") {
			v.check(indexPath("sip.listen", i), invalid("listener %q needs sip.tls.cert and sip.tls.key", s))
		}
		if seen[l.String()] {
			v.check(indexPath("sip.listen", i), invalid("listener %q is given twice", s))
		}
		seen[l.String()] = true
	}
	for i, s := range c.SIP.Trusted {
		_, err := ParsePrefix(s)
		v.check(indexPath("sip.trusted", i), err)
	}
	for _, n := range []struct {
		path  string
		value int
	}{{"sip.max_calls", c.SIP.MaxCalls}, {"sip.invite_rate", c.SIP.InviteRate}, {"sip.invite_burst", c.SIP.InviteBurst}} {
		if n.value < 0 {
			v.check(n.path, invalid("%d must not be negative", n.value))
		}
	}
	if c.SIP.InviteRate > 0 && c.SIP.InviteBurst < 1 {
		v.check("sip.invite_burst", invalid("must be at least 1 when sip.invite_rate is set"))
	}
	seenUsers := map[string]bool{}
	for i, u := range c.SIP.Auth.Users {
		name, pw, ok := strings.Cut(u, ":")
		switch {
		case !ok || name == "" || strings.ContainsAny(name, " \t\"") || len(pw) < 8:
			v.check(indexPath("sip.auth.users", i), invalid("want NAME:PASSWORD with a password of at least 8 characters"))
		case seenUsers[name]:
			v.check(indexPath("sip.auth.users", i), invalid("user %q is given twice", name))
		}
		seenUsers[name] = true
	}
	if len(c.SIP.Auth.Users) > 0 && (c.SIP.Auth.Realm == "" || strings.Contains(c.SIP.Auth.Realm, `"`)) {
		v.check("sip.auth.realm", invalid("must be a non-empty name without quotes when sip.auth.users is set"))
	}
	if (c.SIP.TLS.Cert == "") != (c.SIP.TLS.Key == "") {
		v.check("sip.tls.cert", invalid("sip.tls.cert and sip.tls.key must be set together"))
	}
	if pa := c.SIP.PublicAddr; pa != "" {
		if !validHost(pa) {
			if _, _, err := splitHostPort(pa); err != nil {
				v.check("sip.public_addr", invalid("%q is not a host or host:port", pa))
			}
		}
	}
}

func (v *validator) media() {
	m := v.c.Media
	if _, err := v.c.MediaIPs(); err != nil {
		v.check("media.ip", invalid("%s", err))
	}
	switch m.SRTP {
	case "optional", "required", "off":
	default:
		v.check("media.srtp", invalid("unknown setting %q: want optional, required or off", m.SRTP))
	}
	switch m.Latching {
	case "strict", "nat":
	default:
		v.check("media.latching", invalid("unknown setting %q: want strict or nat", m.Latching))
	}
	okMin, okMax := m.PortMin >= 1 && m.PortMin <= 65535, m.PortMax >= 1 && m.PortMax <= 65535
	if !okMin {
		v.check("media.port_min", invalid("%d is outside 1..65535", m.PortMin))
	}
	if !okMax {
		v.check("media.port_max", invalid("%d is outside 1..65535", m.PortMax))
	}
	if !okMin || !okMax {
		return
	}
	// RFC 3550 §11: RTP takes an even port and RTCP the next odd one, so the range must
	// hold at least one such pair.
	firstEven := m.PortMin + m.PortMin%2
	switch {
	case m.PortMin > m.PortMax:
		v.check("media.port_min", invalid("%d is above port_max %d", m.PortMin, m.PortMax))
	case firstEven+1 > m.PortMax:
		v.check("media.port_max", invalid("range %d-%d holds no even RTP port with its odd RTCP port", m.PortMin, m.PortMax))
	}
}

func (v *validator) consent() {
	k := v.c.Consent
	if !languageTag.MatchString(k.Language) {
		v.check("consent.language", invalid("%q is not a language tag like en or da-DK", k.Language))
	}
	if k.AcceptDigits == "" {
		v.check("consent.accept_digits", invalid("must not be empty: without it nobody can consent"))
	}
	for _, d := range []struct{ path, value string }{
		{"consent.accept_digits", k.AcceptDigits},
		{"consent.decline_digits", k.DeclineDigits},
		{"consent.withdraw_digits", k.WithdrawDigits},
	} {
		if i := strings.IndexFunc(d.value, func(r rune) bool { return !strings.ContainsRune(dtmfDigits, r) }); i >= 0 {
			v.check(d.path, invalid("%q has %q: digits are 0-9, *, #, A-D", d.value, d.value[i:i+1]))
		}
	}
	if i := strings.IndexAny(k.DeclineDigits, k.AcceptDigits); i >= 0 && k.AcceptDigits != "" {
		v.check("consent.decline_digits", invalid("%q is also an accept digit", k.DeclineDigits[i:i+1]))
	}
	if k.Timeout < 0 {
		v.check("consent.timeout", invalid("%s must not be negative", k.Timeout))
	}
	if k.Repeats < 0 {
		v.check("consent.repeats", invalid("%d must not be negative", k.Repeats))
	}
	if k.PauseMax <= 0 || k.PauseMax.Std() > maxPause {
		v.check("consent.pause_max", invalid("%s must be from 1s to %s", k.PauseMax, Duration(maxPause)))
	}
	if k.PolicyVersion == "" || strings.ContainsFunc(k.PolicyVersion, unicode.IsControl) {
		v.check("consent.policy_version", invalid("must be a non-empty name without control characters"))
	}
	seen := map[string]int{}
	for i, ps := range k.Prompts {
		p := indexPath("consent.prompts", i)
		if !languageTag.MatchString(ps.Language) {
			v.check(p+".language", invalid("%q is not a language tag like en or da-DK", ps.Language))
		} else if first, dup := seen[ps.Language]; dup {
			v.check(p+".language", invalid("%q is also the language of consent.prompts[%d]", ps.Language, first))
		}
		seen[ps.Language] = i
		if ps.Language == k.Language && ps.Consent != "" {
			v.check(p+".consent", invalid("the default language's consent prompt is consent.prompt"))
		}
		v.countries(p+".countries", ps.Countries)
	}
}

// maxPause bounds consent.pause_max: a pause is for a payment, not for the rest of a call.
const maxPause = time.Hour

// countries checks a list of ISO 3166 alpha-2 codes.
func (v *validator) countries(path string, list []string) {
	for j, c := range list {
		if len(c) != 2 || !phonenumbers.GetSupportedRegions()[c] {
			v.check(indexPath(path, j), invalid("%q is not an upper-case ISO 3166 country code like US", c))
		}
	}
}

// languages are the tags a route may name: consent.language and consent.prompts'.
func (v *validator) languages() map[string]bool {
	langs := map[string]bool{v.c.Consent.Language: true}
	for _, ps := range v.c.Consent.Prompts {
		langs[ps.Language] = true
	}
	return langs
}

func (v *validator) routePolicy(p string, r *Route) {
	if r.Language != "" && r.Language != "auto" && !v.languages()[r.Language] {
		v.check(p+".language", invalid("%q is neither consent.language nor in consent.prompts, nor auto", r.Language))
	}
	if n := len(r.LanguageMenu); n == 1 || n > 9 {
		v.check(p+".language_menu", invalid("offers %d languages: want 2 to 9 (one key each), or none", n))
	}
	menu := map[string]bool{}
	for j, tag := range r.LanguageMenu {
		switch {
		case !v.languages()[tag]:
			v.check(indexPath(p+".language_menu", j), invalid("%q is neither consent.language nor in consent.prompts", tag))
		case menu[tag]:
			v.check(indexPath(p+".language_menu", j), invalid("%q is offered twice", tag))
		}
		menu[tag] = true
	}
	if len(r.LanguageMenu) > 1 && r.LanguageMenuPrompt == "" && strings.Join(r.LanguageMenu, "-") != "en-da" {
		v.check(p+".language_menu_prompt", invalid("must name a WAV saying which key picks which language (there is a built-in one only for [en, da])"))
	}
	for j, rule := range r.Policy {
		rp := indexPath(p+".policy", j)
		if len(rule.Countries) == 0 {
			v.check(rp+".countries", invalid("needs at least one country"))
		}
		v.countries(rp+".countries", rule.Countries)
		switch rule.Mode {
		case "opt-in":
		case "notice":
			// GDPR: recording in the EU/EEA needs the caller's consent (or another
			// Art. 6 basis the gateway cannot know): never on notice alone.
			for k, c := range rule.Countries {
				if policy.IsEU(c) {
					v.check(indexPath(rp+".countries", k), invalid("%s is in the EU/EEA: only opt-in is allowed there, not notice", c))
				}
			}
		default:
			v.check(rp+".mode", invalid("%q: want opt-in or notice", rule.Mode))
		}
	}
}

func (v *validator) routes() {
	if len(v.c.Routes) == 0 {
		v.check("routes", invalid("needs at least one route"))
	}
	names := map[string]int{}
	for i := range v.c.Routes {
		r := &v.c.Routes[i]
		p := indexPath("routes", i)
		switch first, dup := names[r.Name]; {
		case r.Name == "":
			v.check(p+".name", invalid("must not be empty"))
		case dup:
			v.check(p+".name", invalid("%q is also the name of routes[%d]", r.Name, first))
		default:
			names[r.Name] = i
		}
		re, err := regexp.Compile(r.Match)
		if err != nil {
			v.check(p+".match", invalidWrap(err, "invalid regexp %q", r.Match))
		}
		r.re = re
		if r.RecordTarget == "" {
			v.check(p+".record_target", invalid("must be set, e.g. sip:agents@10.0.0.5:5060"))
		} else {
			v.check(p+".record_target", sipURI(r.RecordTarget))
		}
		if r.NorecordTarget != "" {
			v.check(p+".norecord_target", sipURI(r.NorecordTarget))
		}
		if r.AnswerTimeout <= 0 {
			v.check(p+".answer_timeout", invalid("%s must be positive", r.AnswerTimeout))
		}
		v.routePolicy(p, r)
		for j, s := range r.Sources {
			_, err := ParsePrefix(s)
			v.check(indexPath(p+".sources", j), err)
		}
	}
}

func sipURI(s string) error {
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil {
		return invalidWrap(err, "%q is not a SIP URI", s)
	}
	if u.Scheme != "sip" && u.Scheme != "sips" {
		return invalid("%q is not a sip: or sips: URI", s)
	}
	// RFC 3261 §25.1: an IPv6 host is written in brackets.
	if host := strings.TrimSuffix(strings.TrimPrefix(u.Host, "["), "]"); host == "" || !validHost(host) {
		return invalid("%q has no valid host", s)
	}
	return nil
}

func (v *validator) storage() {
	s := v.c.Storage
	if s.S3.Endpoint != "" {
		if strings.Contains(s.S3.Endpoint, "://") {
			v.check("storage.s3.endpoint", invalid("%q: want host:port without a scheme; set secure: true for TLS", s.S3.Endpoint))
		} else if host, port, err := splitHostPort(s.S3.Endpoint); err != nil {
			v.check("storage.s3.endpoint", err)
		} else if host == "" || port == 0 {
			v.check("storage.s3.endpoint", invalid("%q needs a host and a non-zero port", s.S3.Endpoint))
		}
		if s.S3.Bucket == "" {
			v.check("storage.s3.bucket", invalid("must be set when storage.s3.endpoint is"))
		}
	}
	if b := s.S3.Bucket; b != "" && (!bucketName.MatchString(b) || strings.Contains(b, "..")) {
		v.check("storage.s3.bucket", invalid("%q is not a valid bucket name (3-63 of a-z, 0-9, '.', '-')", b))
	}
	if s.Retention < 0 {
		v.check("storage.retention", invalid("%s must not be negative", s.Retention))
	}
	if s.SpoolMaxMB < 0 {
		v.check("storage.spool_max_mb", invalid("%d must not be negative", s.SpoolMaxMB))
	}
	if s.SpoolReserveMB < 0 {
		v.check("storage.spool_reserve_mb", invalid("%d must not be negative", s.SpoolReserveMB))
	} else if s.SpoolMaxMB > 0 && s.SpoolReserveMB >= s.SpoolMaxMB {
		v.check("storage.spool_reserve_mb", invalid("%d leaves no room under storage.spool_max_mb %d: the spool would always be full", s.SpoolReserveMB, s.SpoolMaxMB))
	}
	if s.SpoolFull != SpoolFullReject && s.SpoolFull != SpoolFullUnrecorded {
		v.check("storage.spool_full", invalid("%q: want %q or %q", s.SpoolFull, SpoolFullReject, SpoolFullUnrecorded))
	}
	switch s.S3.SSE {
	case "", "s3":
	case "c":
		if key, err := base64.StdEncoding.DecodeString(s.S3.SSECKey); err != nil || len(key) != 32 {
			v.check("storage.s3.sse_c_key", invalid("must be the base64 of 32 bytes when storage.s3.sse is \"c\""))
		}
		if !s.S3.Secure {
			v.check("storage.s3.secure", invalid("must be true with SSE-C: S3 refuses customer keys over plain HTTP"))
		}
	default:
		v.check("storage.s3.sse", invalid("%q: want \"\", \"s3\" or \"c\"", s.S3.SSE))
	}
}

func (v *validator) subjects() {
	s := v.c.Subjects
	if s.HMACKey != "" && len(s.HMACKey) < minHMACKeyLen {
		v.check("subjects.hmac_key", invalid("is shorter than %d characters; leave it empty to generate one", minHMACKeyLen))
	}
	if r := s.DefaultRegion; r != "" {
		if len(r) != 2 || !phonenumbers.GetSupportedRegions()[r] {
			v.check("subjects.default_region", invalid("%q is not an upper-case ISO 3166 country code like DK", r))
		}
	}
	if h := s.CustomerHeader; h != "" && !headerName.MatchString(h) {
		v.check("subjects.customer_header", invalid("%q is not a SIP header name", h))
	}
}

func (v *validator) network() {
	c := v.c
	if c.NATS.URL != "" {
		for u := range strings.SplitSeq(c.NATS.URL, ",") {
			v.check("nats.url", natsURL(strings.TrimSpace(u)))
		}
	}
	for _, l := range []struct{ path, value string }{
		{"nats.listen", c.NATS.Listen},
		{"http.listen", c.HTTP.Listen},
	} {
		if _, _, err := splitHostPort(l.value); err != nil {
			v.check(l.path, err)
		}
	}
}

// natsURL accepts what the NATS client does: a URL, or host:port meaning nats://host:port.
func natsURL(u string) error {
	s := u
	if !strings.Contains(s, "://") {
		s = "nats://" + s
	}
	pu, err := url.Parse(s)
	if err != nil || pu.Host == "" {
		return invalid("%q is not a URL like nats://host:4222", u)
	}
	switch pu.Scheme {
	case "nats", "tls", "ws", "wss":
		return nil
	}
	return invalid("%q: scheme must be nats, tls, ws or wss", u)
}

// maxExportExpiry is SigV4's limit on a presigned URL: an export link cannot outlive it.
const maxExportExpiry = 7 * 24 * time.Hour

func (v *validator) natsAuth() {
	n := v.c.NATS
	set := 0
	for _, s := range []string{n.Credentials, n.NKeySeedFile, n.User} {
		if s != "" {
			set++
		}
	}
	if set > 1 {
		v.check("nats.credentials", invalid("set only one of nats.credentials, nats.nkey_seed_file and nats.user"))
	}
	if n.Password != "" && n.User == "" {
		v.check("nats.password", invalid("needs nats.user"))
	}
	if (n.TLS.Cert == "") != (n.TLS.Key == "") {
		v.check("nats.tls.cert", invalid("nats.tls.cert and nats.tls.key must be set together"))
	}
	if n.URL == "" {
		// The embedded server has no users and no TLS: these only make sense for nats.url.
		for _, f := range []struct{ path, value string }{
			{"nats.credentials", n.Credentials}, {"nats.nkey_seed_file", n.NKeySeedFile}, {"nats.user", n.User},
			{"nats.tls.ca", n.TLS.CA}, {"nats.tls.cert", n.TLS.Cert},
		} {
			if f.value != "" {
				v.check(f.path, invalid("applies to an external server only: set nats.url too"))
			}
		}
	}
	if n.EventsMaxAge < 0 {
		v.check("nats.events_max_age", invalid("%s must not be negative", n.EventsMaxAge))
	}
	switch {
	case n.Replicas != 1 && n.Replicas != 3 && n.Replicas != 5:
		v.check("nats.replicas", invalid("%d: want 1, 3 or 5 (a JetStream cluster keeps a majority of them)", n.Replicas))
	case n.Replicas > 1 && n.URL == "":
		v.check("nats.replicas", invalid("the embedded server is one server and keeps one replica: set nats.url to a JetStream cluster"))
	}
	var keys []rights.SigningKey
	for i, s := range n.RequestKeys {
		k, err := rights.ParseSigningKey(s)
		if err != nil {
			v.check(indexPath("nats.request_keys", i), invalid("%s", err))
			continue
		}
		keys = append(keys, k)
	}
	if _, err := rights.NewVerifier(keys); err != nil {
		v.check("nats.request_keys", invalid("%s", err))
	}
	v.natsUsers()
}

// natsUsers checks nats.authorization: each entry a name and a bcrypt hash or public
// nkey, every name once, and none with an external server, whose users are its own.
func (v *validator) natsUsers() {
	n := v.c.NATS
	seen := map[string]bool{}
	for _, l := range n.Authorization.lists() {
		for i, e := range l.entries {
			path := indexPath("nats.authorization."+string(l.role), i)
			if n.URL != "" {
				v.check(path, invalid("the embedded server's users: an external server (nats.url) has its own, see testdata/nats/authz.conf"))
				continue
			}
			u, err := bus.ParseUser(l.role, e)
			if err != nil {
				v.check(path, invalid("%s", err))
				continue
			}
			if seen[u.Name] {
				v.check(path, invalid("user %s is given twice", u.Name))
			}
			seen[u.Name] = true
		}
	}
}

func (v *validator) exports() {
	e := v.c.Exports
	if d := e.Expires.Std(); d < time.Minute || d > maxExportExpiry {
		v.check("exports.expires", invalid("%s must be from 1m to 168h (a presigned link lasts at most 7 days)", e.Expires))
	}
	for i, r := range e.Recipients {
		if strings.TrimSpace(r) == "" {
			v.check(indexPath("exports.recipients", i), invalid("must not be empty"))
		}
	}
}
