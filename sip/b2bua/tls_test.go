package b2bua

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

var (
	tlsOnce   sync.Once
	tlsConfig *tls.Config
	tlsErr    error
)

// testTLS is a certificate for 127.0.0.1 from a throwaway CA, and that CA as the root:
// one config serves both ends of a loopback TLS test.
func testTLS(t *testing.T) *tls.Config {
	t.Helper()
	tlsOnce.Do(func() { tlsConfig, tlsErr = makeTestTLS() })
	if tlsErr != nil {
		t.Fatal(tlsErr)
	}
	return tlsConfig
}

func makeTestTLS() (*tls.Config, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "consentgw test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		RootCAs:      roots,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// startTLSGateway runs a Server with a UDP and a TLS listener.
func startTLSGateway(t *testing.T, h CallHandler) (*gateway, sip.Uri) {
	t.Helper()
	udp := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t, "udp")))
	tlsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t, "tcp")))
	pool := newPool(t, 4)
	srv, err := New(Options{
		Listeners:  []Listener{{Network: "udp", Addr: udp}, {Network: "tls", Addr: tlsAddr}},
		PublicHost: "127.0.0.1", MediaIP: loopback, Ports: pool, Handler: h, TLS: testTLS(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	g := &gateway{Server: srv, pool: pool, uri: sipURI("100", udp, "udp")}
	t.Cleanup(func() { g.shutdown(t) })
	return g, sipURI("100", tlsAddr, "tls")
}

func TestCallOverTLSBothWays(t *testing.T) {
	agent := newAgent(t, "tls", answerWith(sip.StatusOK, fmtPCMU))
	dialed := make(chan error, 1)
	target := sipURI("agent", agent.addr, "tls")
	g, tlsURI := startTLSGateway(t, bridgeTo(target, dialed))
	trunk := newPeer(t, "tls", nil)

	call := trunk.invite(t, tlsURI, sdpOffer(30000, "", fmtPCMU))
	if call.err != nil {
		t.Fatalf("INVITE over TLS: %v", call.err)
	}
	if err := recv(t, dialed, "dial over TLS"); err != nil {
		t.Fatalf("dialing the TLS agent: %v", err)
	}
	if inv := recv(t, agent.invites, "agent INVITE"); inv.Transport() != "TLS" {
		t.Errorf("agent got the INVITE over %s, want TLS", inv.Transport())
	}
	if c := call.dlg.InviteResponse.Contact(); c == nil || c.Address.UriParams == nil {
		t.Fatalf("200 OK over TLS has Contact %v, want one with transport=tls", c)
	} else if tp, _ := c.Address.UriParams.Get("transport"); tp != "tls" {
		t.Errorf("200 OK over TLS has Contact %s, want transport=tls", c.Address.String())
	}
	byeCaller(t, call)
	waitUntil(t, func() bool { return g.ActiveCalls() == 0 }, "call over TLS to end")
}

func TestTLSListenerNeedsACertificate(t *testing.T) {
	srv, err := New(Options{
		Listeners:  []Listener{{Network: "tls", Addr: "127.0.0.1:0"}},
		PublicHost: "127.0.0.1", MediaIP: loopback, Ports: newPool(t, 1),
		Handler: handlerFunc(func(context.Context, *Inbound) {}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err == nil {
		t.Fatal("a tls listener without a certificate started")
	}
}
