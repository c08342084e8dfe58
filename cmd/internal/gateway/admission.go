package gateway

import (
	"net/netip"
	"regexp"
	"slices"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/metrics"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/sip/b2bua"
)

// admission turns sip.trusted, routes[].sources, the flood limits and storage.spool_full
// into the B2BUA's admission rules.
func admission(cfg *config.Config, m *metrics.Metrics, spoolFull func() bool) b2bua.Admission {
	var auth *b2bua.DigestAuth
	if len(cfg.SIP.Auth.Users) > 0 {
		auth = b2bua.NewDigestAuth(cfg.SIP.Auth.Realm, cfg.SIP.Auth.UserPasswords())
	}
	return b2bua.Admission{
		Auth:        auth,
		Allow:       trustPolicy(cfg),
		MaxCalls:    cfg.SIP.MaxCalls,
		InviteRate:  float64(cfg.SIP.InviteRate),
		InviteBurst: cfg.SIP.InviteBurst,
		Rejected:    m.SIPRejected,
		Unavailable: unavailable(cfg, spoolFull),
	}
}

// unavailable refuses new calls (503) while the spool has less than a call's worth of
// room, unless storage.spool_full takes them unrecorded.
func unavailable(cfg *config.Config, spoolFull func() bool) func() string {
	if cfg.Storage.SpoolFull != config.SpoolFullReject {
		return nil
	}
	return func() string {
		if spoolFull() {
			return consent.ReasonSpoolFull // the receipt's word for it too
		}
		return ""
	}
}

// sourceRoute is a route's match with the networks it accepts calls from.
type sourceRoute struct {
	match   *regexp.Regexp
	sources []netip.Prefix // empty = any trusted source
}

// trustPolicy lets a request in when its source is in sip.trusted (an empty list trusts
// everyone) and, for a route with sources, in one of those too. The route is found as
// the call path finds it: the first whose match fits the Request-URI user part.
func trustPolicy(cfg *config.Config) func(netip.Addr, *sip.Request) bool {
	trusted := config.Prefixes(cfg.SIP.Trusted)
	var routes []sourceRoute
	restricted := false
	for _, r := range cfg.Routes {
		sr := sourceRoute{match: r.Regexp(), sources: config.Prefixes(r.Sources)}
		restricted = restricted || len(sr.sources) > 0
		routes = append(routes, sr)
	}
	if len(trusted) == 0 && !restricted {
		return nil
	}
	return func(src netip.Addr, req *sip.Request) bool {
		if len(trusted) > 0 && !contains(trusted, src) {
			return false
		}
		if !restricted || req.Method != sip.INVITE {
			return true
		}
		for _, r := range routes {
			if r.match != nil && r.match.MatchString(req.Recipient.User) {
				return len(r.sources) == 0 || contains(r.sources, src)
			}
		}
		return true // no route: the call path answers 404
	}
}

func contains(nets []netip.Prefix, ip netip.Addr) bool {
	return slices.ContainsFunc(nets, func(p netip.Prefix) bool { return p.Contains(ip) })
}
