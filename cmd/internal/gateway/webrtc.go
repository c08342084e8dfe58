package gateway

import (
	"log/slog"
	"net"
	"net/netip"

	"github.com/consentgw/consentgw/cmd/internal/phone"
	"github.com/consentgw/consentgw/sip/b2bua"
	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/webrtcleg"
)

// webrtcMedia answers browsers' offers with a peer connection whose ICE, DTLS and SRTP
// run on a port of the same media pool as RTP calls.
func webrtcMedia(ip netip.Addr, ports *media.PortPool) b2bua.WebRTCFactory {
	opts := webrtcleg.Options{IP: ip, Ports: ports}
	return func(choice sdpneg.Choice, log *slog.Logger) (b2bua.SecureMedia, error) {
		return webrtcleg.New(opts, choice, log)
	}
}

// webSockets are the ws: and wss: listeners the phone page may dial.
func (g *Gateway) webSockets() []phone.WebSocket {
	ls, _ := g.cfg.Listeners() // validated at load
	var out []phone.WebSocket
	for i, l := range ls {
		if l.Transport != "ws" && l.Transport != "wss" {
			continue
		}
		port := l.Port
		if g.sip != nil && i < len(g.sip.Addrs()) {
			if a, ok := g.sip.Addrs()[i].(*net.TCPAddr); ok {
				port = a.Port // port 0 in the config: the one bound
			}
		}
		out = append(out, phone.WebSocket{Secure: l.Transport == "wss", Host: l.Host, Port: port})
	}
	return out
}
