package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/consentgw/consentgw/cmd/internal/phone"
	"github.com/consentgw/consentgw/consent/signing"
)

// startHTTP serves /metrics, /healthz (the process is up), /readyz (storage and NATS
// reachable, and a call's worth of room in the spool, so a load balancer only sends calls
// to a gateway that can keep receipts and recordings), the deployment's public signing
// key at /.well-known/consentgw-keys (RFC 7517 key set), and the browser phone page
// /phone/.
func (g *Gateway) startHTTP() error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.metrics.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if g.Draining() {
			http.Error(w, "draining: no new calls", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := g.store.Ping(ctx); err != nil {
			http.Error(w, "storage: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		if err := g.bus.Ping(); err != nil {
			http.Error(w, "nats: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		if g.archive.Full() {
			http.Error(w, fmt.Sprintf("spool: full (%d bytes of room, storage.spool_reserve_mb needs %d MiB)", g.archive.Room(), g.cfg.Storage.SpoolReserveMB), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.HandleFunc("GET /drain", g.serveDrain)
	mux.HandleFunc("POST /drain", g.serveDrain)
	mux.HandleFunc("GET "+signing.WellKnownPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		json.NewEncoder(w).Encode(signing.KeySet{g.signer.Public()}.JWKS())
	})
	page := phone.Handler(g.webSockets())
	mux.Handle("GET /phone", page)
	mux.Handle("GET /phone/", page)
	ln, err := net.Listen("tcp", g.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http.listen: %w", err)
	}
	g.httpLn = ln
	g.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := g.http.Serve(ln); err != nil && err != http.ErrServerClosed {
			g.log.Error("HTTP server stopped", "error", err)
		}
	}()
	return nil
}
