package b2bua

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/emiago/sipgo/sip"
	"golang.org/x/time/rate"
)

// Reasons a request is refused before it costs anything, as counted by Admission.Rejected.
const (
	RejectUntrusted      = "untrusted"            // source outside sip.trusted or the route's sources: 403
	RejectRateLimited    = "rate_limited"         // the source sent INVITEs faster than its limit: 503
	RejectMaxCalls       = "max_calls"            // sip.max_calls calls in progress: 503
	RejectMalformed      = "malformed"            // a datagram that is no SIP message: dropped
	RejectOversized      = "oversized"            // a datagram above MaxMessageBytes: dropped
	RejectChallenged     = "challenged"           // untrusted source without valid credentials yet: 401
	RejectAuthFailed     = "auth_failed"          // digest credentials with a wrong user or password: 403
	RejectAuthBlocked    = "auth_blocked"         // the source used up its failed attempts: 403 unchecked
	RejectTooManyStreams = "too_many_connections" // a source over its TCP/TLS/WS connections: closed
	RejectSlowMessage    = "slow_message"         // a stream message not complete in time: closed
)

// Admission decides who may start a call, before any media port, dialog or goroutine
// beyond sipgo's transaction is spent on it.
type Admission struct {
	// Allow says whether a request from src may start a call; nil lets everyone in.
	Allow func(src netip.Addr, req *sip.Request) bool
	// Auth, when set, admits requests Allow refuses if they carry digest credentials of
	// a known user; others are challenged (401) instead of refused.
	Auth *DigestAuth
	// MaxCalls caps calls in progress; 0 = no cap beyond the media port pool.
	MaxCalls int
	// InviteRate and InviteBurst are each source's token bucket for new INVITEs
	// (out-of-dialog only); InviteRate 0 = no limit.
	InviteRate  float64
	InviteBurst int
	// RetryAfter is the Retry-After of a 503 (RFC 3261 §20.33); 0 = 5 s.
	RetryAfter time.Duration
	// Rejected is told the reason of every refused request (for metrics); may be nil.
	Rejected func(reason string)
	// Unavailable, when set, is asked before each new call and each OPTIONS probe: a
	// reason ("spool_full") means the gateway cannot keep its promises to a call now, and
	// the request gets 503 with Retry-After, counted under that reason (see
	// refusedUnavailable).
	Unavailable func() string
}

func (a Admission) retryAfter() string {
	d := a.RetryAfter
	if d <= 0 {
		d = 5 * time.Second
	}
	return strconv.Itoa(int(max(d.Round(time.Second)/time.Second, 1)))
}

func (a Admission) rejected(reason string) {
	if a.Rejected != nil {
		a.Rejected(reason)
	}
}

// sourceAddr is the IP a request came from: the transport's peer address, which sipgo
// sets on every received message, not the Via header the sender wrote.
func sourceAddr(req *sip.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// gate runs the cheap checks of a new INVITE or out-of-dialog request in order: trust,
// then the source's rate. It answers the refusal itself and reports whether to go on.
func (s *Server) gate(req *sip.Request, tx sip.ServerTransaction, invite bool) bool {
	src := sourceAddr(req)
	a := s.opts.Admission
	if a.Allow != nil && (!src.IsValid() || !a.Allow(src, req)) {
		if a.Auth == nil {
			a.rejected(RejectUntrusted)
			s.reply(s.log, req, tx, sip.StatusForbidden, "Forbidden")
			return false
		}
		switch res, _ := a.Auth.check(req, src, time.Now()); res {
		case authOK:
		case authFailed:
			a.rejected(RejectAuthFailed)
			s.reply(s.log, req, tx, sip.StatusForbidden, "Forbidden")
			return false
		case authBlocked:
			a.rejected(RejectAuthBlocked)
			s.reply(s.log, req, tx, sip.StatusForbidden, "Forbidden")
			return false
		default:
			a.rejected(RejectChallenged)
			s.challenge(req, tx, res == authStale)
			return false
		}
	}
	if invite && s.limiter != nil && !s.limiter.allow(src, time.Now()) {
		a.rejected(RejectRateLimited)
		s.busy(req, tx)
		return false
	}
	return true
}

// busy answers 503 with Retry-After, so a well-behaved trunk backs off and may try
// another gateway (RFC 3261 §21.5.4).
func (s *Server) busy(req *sip.Request, tx sip.ServerTransaction) {
	s.reply(s.log, req, tx, sip.StatusServiceUnavailable, "Service Unavailable", sip.NewHeader("Retry-After", s.opts.Admission.retryAfter()))
}

// newLimiter builds the per-source INVITE limiter, or nil when there is no limit.
func newLimiter(a Admission) *sourceLimiter {
	if a.InviteRate <= 0 {
		return nil
	}
	return newSourceLimiter(rate.Limit(a.InviteRate), max(a.InviteBurst, 1), maxTrackedSources)
}
