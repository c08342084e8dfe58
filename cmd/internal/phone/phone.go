// Package phone serves the browser phone page on http.listen: a keypad that calls the
// gateway over SIP over WebSocket with JsSIP and sends the consent digits. The page's
// script is bundled from npm at build time (`make phone`, web/) and embedded here; a
// binary built without it serves a page that says so.
package phone

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"strconv"
)

//go:embed web/index.html web/dist
var files embed.FS

// WebSocket is one ws: or wss: entry of sip.listen.
type WebSocket struct {
	Secure bool
	Host   string
	Port   int
}

// config is what the page fetches to find the gateway's WebSocket listeners.
type config struct {
	WebSockets []string `json:"websockets"`
}

// Handler serves the page under /phone/ (and /phone redirects there).
func Handler(sockets []WebSocket) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /phone", http.RedirectHandler("/phone/", http.StatusMovedPermanently))
	mux.HandleFunc("GET /phone/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, "web/index.html", "text/html; charset=utf-8")
	})
	mux.HandleFunc("GET /phone/phone.js", func(w http.ResponseWriter, r *http.Request) {
		if _, err := fs.Stat(files, "web/dist/phone.js"); err != nil {
			http.Error(w, "the phone page's script was not built: run `make phone` and rebuild consentgw", http.StatusServiceUnavailable)
			return
		}
		serveFile(w, "web/dist/phone.js", "text/javascript; charset=utf-8")
	})
	mux.HandleFunc("GET /phone/config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(config{WebSockets: urls(sockets, r.Host)})
	})
	return mux
}

// Built reports whether the page's script is embedded.
func Built() bool {
	_, err := fs.Stat(files, "web/dist/phone.js")
	return err == nil
}

func serveFile(w http.ResponseWriter, name, contentType string) {
	b, err := files.ReadFile(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(b)
}

// urls are the WebSocket URLs as the browser must dial them: a listener on a wildcard
// address is reached under the host name the browser used for the page.
func urls(sockets []WebSocket, requestHost string) []string {
	pageHost := requestHost
	if h, _, err := net.SplitHostPort(requestHost); err == nil {
		pageHost = h
	}
	out := []string{}
	for _, s := range sockets {
		host := s.Host
		if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
			host = pageHost
		}
		scheme := "ws"
		if s.Secure {
			scheme = "wss"
		}
		out = append(out, scheme+"://"+net.JoinHostPort(host, strconv.Itoa(s.Port)))
	}
	return out
}
