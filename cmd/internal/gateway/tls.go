package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/consentgw/consentgw/cmd/internal/config"
)

// sipTLS loads sip.tls: the listener certificate and the roots for TLS targets. nil when
// nothing is configured (sips: targets are then verified against the system roots).
func sipTLS(c config.SIPTLS) (*tls.Config, error) {
	if c.Cert == "" && c.CA == "" {
		return nil, nil
	}
	// RFC 5630 and RFC 8996: TLS 1.0 and 1.1 are gone from SIP too.
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.Cert != "" {
		cert, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, fmt.Errorf("sip.tls.cert/key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if c.CA != "" {
		pem, err := os.ReadFile(c.CA)
		if err != nil {
			return nil, fmt.Errorf("sip.tls.ca: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("sip.tls.ca: %s holds no PEM certificate", c.CA)
		}
		cfg.RootCAs = roots
	}
	return cfg, nil
}
