// Package bus connects the gateway to NATS: the embedded nats-server with JetStream in
// data_dir when nats.url is empty (listening on nats.listen, so CRMs and scripts can use
// it, as the users of nats.authorization when there are any: authz.go), or an external
// server otherwise, with credentials, an nkey or user and password, and TLS. At start it
// creates or updates the gateway's JetStream streams (streams.go).
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

// Options say which NATS to use.
type Options struct {
	// URL of an external server (a comma-separated list for a cluster); "" starts the
	// embedded one.
	URL string
	// Listen is the embedded server's host:port.
	Listen string
	// StoreDir holds the embedded server's JetStream files.
	StoreDir string
	Name     string
	Logger   *slog.Logger
	// Auth is how to authenticate to an external server.
	Auth Auth
	// Users may log in to the embedded server, each with its role's rights; with any,
	// no one else may (the gateway logs in with an nkey made at start). None = anyone
	// who reaches Listen may do anything.
	Users []User
	// EventsMaxAge bounds how long CONSENTGW_EVENTS keeps events; 0 = forever.
	EventsMaxAge time.Duration
}

// Bus is a NATS connection, and the embedded server behind it if there is one.
type Bus struct {
	Conn     *nats.Conn
	JS       jetstream.JetStream
	embedded *server.Server
}

// readyTimeout bounds the embedded server's start (JetStream recovers its store first).
const readyTimeout = 30 * time.Second

// streamTimeout bounds creating the streams at start.
const streamTimeout = 30 * time.Second

// Open connects, starting the embedded server first when no URL is given, and makes sure
// the streams exist with the configured limits.
func Open(o Options) (*Bus, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bus{}
	url := o.URL
	auth := o.Auth
	var own []nats.Option // the gateway's login to its embedded server
	if url == "" {
		srv, login, err := startEmbedded(o)
		if err != nil {
			return nil, err
		}
		b.embedded = srv
		url = srv.ClientURL()
		auth, own = Auth{}, login
	}
	opts, err := auth.Options()
	if err != nil {
		b.Close()
		return nil, err
	}
	opts = append(opts, own...)
	opts = append(opts,
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				o.Logger.Warn("NATS disconnected", "error", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { o.Logger.Info("NATS reconnected") }),
	)
	conn, err := nats.Connect(url, opts...)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: connecting to NATS: %w", err)
	}
	b.Conn = conn
	if b.JS, err = jetstream.New(conn); err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: JetStream: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	if err := EnsureStreams(ctx, b.JS, o.EventsMaxAge); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// startEmbedded runs the embedded server and returns the gateway's login to it.
func startEmbedded(o Options) (*server.Server, []nats.Option, error) {
	host, portStr, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("bus: nats.listen %q: %w", o.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, nil, fmt.Errorf("bus: nats.listen %q: %w", o.Listen, err)
	}
	sopts := &server.Options{
		ServerName: o.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		NoSigs:     true,
		NoLog:      true,
	}
	var login []nats.Option
	if len(o.Users) > 0 {
		kp, err := nkeys.CreateUser()
		if err != nil {
			return nil, nil, fmt.Errorf("bus: making the gateway's nkey: %w", err)
		}
		pub, _ := kp.PublicKey()
		sopts.Users, sopts.Nkeys = serverUsers(o.Users, pub)
		login = []nats.Option{nats.Nkey(pub, kp.Sign)}
	}
	warnIfOpen(o.Logger, o.Listen, len(o.Users))
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, nil, fmt.Errorf("bus: embedded NATS server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		return nil, nil, fmt.Errorf("bus: embedded NATS server on %s did not start (port in use?)", o.Listen)
	}
	return srv, login, nil
}

// warnIfOpen warns when the embedded server takes anyone from beyond this machine.
func warnIfOpen(log *slog.Logger, listen string, users int) {
	host, _, _ := net.SplitHostPort(listen)
	if users == 0 && !isLoopback(host) {
		log.Warn("the embedded NATS server listens beyond loopback without authorization: anyone who reaches it may erase and export anyone's data; set nats.authorization, or nats.listen to a loopback address",
			"listen", listen)
	}
}

// isLoopback reports whether a listen host reaches this machine only: a loopback IP or
// localhost. A wildcard ("", 0.0.0.0, ::) or any other name is not.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// Ping reports whether NATS is reachable now, for /readyz.
func (b *Bus) Ping() error {
	if b.Conn == nil || !b.Conn.IsConnected() {
		return errors.New("bus: NATS not connected")
	}
	return nil
}

// ClientURL is the address clients use to reach this gateway's NATS.
func (b *Bus) ClientURL() string {
	if b.embedded != nil {
		return b.embedded.ClientURL()
	}
	return b.Conn.ConnectedUrl()
}

// Close drains the connection and stops the embedded server.
func (b *Bus) Close() {
	if b.Conn != nil {
		_ = b.Conn.Drain()
		b.Conn.Close()
	}
	if b.embedded != nil {
		b.embedded.Shutdown()
		b.embedded.WaitForShutdown()
	}
}
