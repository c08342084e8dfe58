package gateway

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// drainPoll is how often a drain looks at the calls and the spool.
const drainPoll = 100 * time.Millisecond

// drainer is a node's one-way trip out of service (Drain).
type drainer struct {
	once sync.Once
	done chan struct{} // closed when calls are over and the spool is uploaded
	// stop ends the wait when the gateway shuts down before the drain finished.
	stop     context.Context
	cancel   context.CancelFunc
	finished chan struct{} // closed when the waiting goroutine returns
}

func newDrainer() drainer {
	ctx, cancel := context.WithCancel(context.Background())
	return drainer{done: make(chan struct{}), stop: ctx, cancel: cancel, finished: make(chan struct{})}
}

// close ends a drain still waiting (the gateway is stopping) and waits for it.
func (d *drainer) close() {
	d.cancel()
	d.once.Do(func() { close(d.finished) }) // never started
	<-d.finished
}

// DrainStatus is what GET /drain answers.
type DrainStatus struct {
	Node        string `json:"node"`
	Draining    bool   `json:"draining"`
	Drained     bool   `json:"drained"`
	ActiveCalls int    `json:"active_calls"`
	PendingJobs int    `json:"pending_jobs"`
}

// Drain takes the node out of service for a rolling restart: new calls and OPTIONS probes
// get 503 + Retry-After (so the balancer sends calls to the other nodes), calls in
// progress go on to their end, and their recordings and receipts are uploaded. Drained is
// closed then; the caller stops the gateway. Drain returns at once and may be called again.
func (g *Gateway) Drain() {
	g.drain.once.Do(func() {
		g.sip.Drain()
		g.log.Info("draining: new calls refused (503), waiting for the calls in progress", "calls", g.sip.AdmittedCalls())
		go g.waitDrained()
	})
}

// Drained is closed once a drain has finished: no call in progress, nothing in the spool.
func (g *Gateway) Drained() <-chan struct{} { return g.drain.done }

// Draining reports whether Drain was called.
func (g *Gateway) Draining() bool { return g.sip != nil && g.sip.Draining() }

func (g *Gateway) waitDrained() {
	defer close(g.drain.finished)
	if !g.waitFor(func() bool { return g.sip.AdmittedCalls() == 0 }) {
		return
	}
	g.log.Info("drain: calls over, uploading the spool", "jobs", g.archive.Pending())
	// A store that is down keeps the node here: its spool is not given up on. SIGTERM
	// stops it anyway, and the next start uploads what is left.
	if !g.waitFor(func() bool { return g.archive.Pending() == 0 }) {
		return
	}
	g.log.Info("drained: no call in progress, spool uploaded")
	close(g.drain.done)
}

// waitFor polls cond until it holds (true) or the gateway stops (false).
func (g *Gateway) waitFor(cond func() bool) bool {
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-g.drain.stop.Done():
			return false
		}
	}
	return true
}

func (g *Gateway) drainStatus() DrainStatus {
	st := DrainStatus{Node: g.cfg.NodeName, Draining: g.Draining(), ActiveCalls: g.ActiveCalls(), PendingJobs: g.archive.Pending()}
	select {
	case <-g.drain.done:
		st.Drained = true
	default:
	}
	return st
}

// serveDrain is POST /drain (start draining) and GET /drain (how far it is). Only a
// client on this host may start a drain: the HTTP listener may also serve the phone page
// to browsers, who must not be able to take the node out.
func (g *Gateway) serveDrain(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if !fromLoopback(r) {
			http.Error(w, "drain is accepted from this host only (consentgw drain, or SIGUSR1)", http.StatusForbidden)
			return
		}
		g.Drain()
		w.WriteHeader(http.StatusAccepted)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(g.drainStatus())
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
