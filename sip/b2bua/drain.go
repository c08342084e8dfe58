package b2bua

import "github.com/emiago/sipgo/sip"

// RejectDraining counts requests refused because the node is draining: 503.
const RejectDraining = "draining"

// Drain takes the server out of service without ending a call: from now on an INVITE
// that would start a call, and an OPTIONS probe, are answered 503 Service Unavailable with
// Retry-After (RFC 3261 §21.5.4), so a trunk tries another node and a balancer that
// probes with OPTIONS (Kamailio's dispatcher) marks this one inactive. Calls in progress,
// and their in-dialog requests, go on.
func (s *Server) Drain() { s.draining.Store(true) }

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.draining.Load() }

// AdmittedCalls counts calls from their INVITE on (ActiveCalls counts them from their
// 100 Trying): a drained node has none left when this is 0.
func (s *Server) AdmittedCalls() int { return s.admittedCalls() }

// unavailable is why the server takes no new call now, "" when it does: draining, or the
// reason Admission.Unavailable gives (a full spool).
func (s *Server) unavailable() string {
	if s.draining.Load() {
		return RejectDraining
	}
	if u := s.opts.Admission.Unavailable; u != nil {
		return u()
	}
	return ""
}

// refusedUnavailable answers req 503 + Retry-After while the server takes no new call, and
// reports whether it did. INVITEs and OPTIONS probes alike: a balancer that probes with
// OPTIONS (Kamailio's dispatcher) takes a node out while it drains or its spool is full,
// and puts it back when it has room again, rather than sending it calls it refuses.
func (s *Server) refusedUnavailable(req *sip.Request, tx sip.ServerTransaction) bool {
	reason := s.unavailable()
	if reason == "" {
		return false
	}
	s.opts.Admission.rejected(reason)
	s.busy(req, tx)
	return true
}
