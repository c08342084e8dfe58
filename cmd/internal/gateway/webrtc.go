package gateway

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/consentgw/consentgw/sip/b2bua"
	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/webrtcleg"
)

// sipTLS loads sip.tls.cert and sip.tls.key for the wss: listeners; nil when unset.
func (g *Gateway) sipTLS() (*tls.Config, error) {
	c := g.cfg.SIP.TLS
	if c.Cert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.Cert, c.Key)
	if err != nil {
		return nil, fmt.Errorf("sip.tls.cert: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// webrtcMedia answers browsers' offers with a peer connection whose ICE, DTLS and SRTP
// run on a port of the same media pool as RTP calls.
func webrtcMedia(ip netip.Addr, ports *media.PortPool) b2bua.WebRTCFactory {
	opts := webrtcleg.Options{IP: ip, Ports: ports}
	return func(choice sdpneg.Choice, log *slog.Logger) (b2bua.SecureMedia, error) {
		return webrtcleg.New(opts, choice, log)
	}
}
