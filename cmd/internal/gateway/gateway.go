// Package gateway assembles consentgw from its configuration: the object store, the
// archive, NATS, the consent IVR and call split, the SIP B2BUA with its media port pool,
// and the HTTP endpoints. Tests start the whole gateway in-process through it.
package gateway

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/cmd/internal/bus"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/metrics"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/callctl"
	"github.com/consentgw/consentgw/consent/callctl/registry"
	"github.com/consentgw/consentgw/consent/keystore"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/ivr"
	"github.com/consentgw/consentgw/ivr/prompt"
	"github.com/consentgw/consentgw/ivr/split"
	"github.com/consentgw/consentgw/recorder"
	"github.com/consentgw/consentgw/recorder/spool"
	"github.com/consentgw/consentgw/sip/b2bua"
	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/archive"
	"github.com/consentgw/consentgw/storage/local"
	"github.com/consentgw/consentgw/storage/retention"
	"github.com/consentgw/consentgw/storage/s3"
)

// Version is set at build time (-ldflags "-X .../gateway.Version=...").
var Version = "dev"

// Gateway is one running consentgw.
type Gateway struct {
	cfg       *config.Config
	log       *slog.Logger
	store     storage.Store
	closer    func() error // closes the store
	archive   *archive.Archiver
	spool     *spool.Spool
	bus       *bus.Bus
	events    *audit.Publisher
	rights    *rights.Listener
	callctl   *callctl.Listener
	registry  *registry.Registry
	ports     *media.PortPool
	dualStack *b2bua.MediaAddr // the other family's media address, if media.ip has one
	recorders *recorder.Scheduler
	sip       *b2bua.Server
	splitter  *split.Splitter
	metrics   *metrics.Metrics
	http      *http.Server
	httpLn    net.Listener

	archiveHook func(kind string, err error)
	// signer signs receipts and erasure certificates; its public key is served at
	// /.well-known/consentgw-keys.
	signer *signing.Key
	// keyStore holds the parties' keys (keys.go); recordKeys is what new recordings are
	// encrypted to (nil: encryption.mode off); spoolKey repairs this node's spool.
	keyStore   *keystore.KV
	recordKeys spool.KeySource
	spoolKey   *age.X25519Identity
	// sweeper applies the retention rules; background ends it at Shutdown.
	sweeper    *retention.Sweeper
	background context.CancelFunc
	sweeping   chan struct{}
	drain      drainer
}

// Option adjusts a gateway beyond its configuration, for embedding and tests.
type Option func(*Gateway)

// WithArchiveHook is told about every object job the archive finished (kind "receipt" or
// "recording"), so tests wait on a receipt being stored instead of sleeping.
func WithArchiveHook(hook func(kind string, err error)) Option {
	return func(g *Gateway) { g.archiveHook = hook }
}

// Start builds every part from cfg and starts serving SIP and HTTP. On error, whatever
// was started is stopped again.
func Start(cfg *config.Config, log *slog.Logger, opts ...Option) (g *Gateway, err error) {
	log = log.With("node", cfg.NodeName)
	g = &Gateway{cfg: cfg, log: log, drain: newDrainer()}
	for _, o := range opts {
		o(g)
	}
	defer func() {
		if err != nil {
			g.Shutdown(context.Background())
			g = nil
		}
	}()
	for _, dir := range []string{cfg.DataDir, cfg.SpoolDir(), cfg.ObjectDir()} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return g, fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	if g.signer, err = signing.LoadOrCreate(cfg.DataDir, cfg.Rights.SigningKey); err != nil {
		return g, fmt.Errorf("rights.signing_key: %w", err)
	}
	key, err := subject.LoadOrCreateKey(cfg.DataDir, cfg.Subjects.HMACKey)
	if err != nil {
		return g, fmt.Errorf("subjects.hmac_key: %w", err)
	}
	pseudonyms, err := subject.NewPseudonymizer(key)
	if err != nil {
		return g, fmt.Errorf("subjects.hmac_key: %w", err)
	}
	langs, err := languages(cfg.Consent)
	if err != nil {
		return g, err
	}
	routes, err := buildRoutes(cfg.Routes, cfg.Consent.PolicyVersion)
	if err != nil {
		return g, err
	}
	if err := g.openStore(); err != nil {
		return g, err
	}
	if g.bus, err = bus.Open(bus.Options{
		URL: cfg.NATS.URL, Listen: cfg.NATS.Listen, StoreDir: cfg.DataDir + "/nats",
		Name: cfg.NodeName, Logger: log, Auth: cfg.NATS.Auth(),
		Streams: bus.StreamSettings{EventsMaxAge: cfg.NATS.EventsMaxAge.Std(), Replicas: cfg.NATS.Replicas},
		Users:   cfg.NATS.Authorization.Users(),
	}); err != nil {
		return g, err
	}
	g.events = audit.New(audit.Options{JS: g.bus.JS, Node: cfg.NodeName, Logger: log})
	if err := g.openRegistry(key); err != nil {
		return g, err
	}
	if err := g.openKeys(); err != nil {
		return g, err
	}

	publicHost, mediaIPs, err := addresses(cfg)
	if err != nil {
		return g, err
	}
	latching, err := media.ParseLatching(cfg.Media.Latching)
	if err != nil {
		return g, fmt.Errorf("media.latching: %w", err)
	}
	mediaIP := mediaIPs[0]
	if g.ports, err = media.NewPortPool(mediaIP, cfg.Media.PortMin, cfg.Media.PortMax, media.WithLatching(latching)); err != nil {
		return g, fmt.Errorf("media: %w", err)
	}
	if len(mediaIPs) > 1 {
		// The same range on the other family's address: the ports do not collide.
		pool, err := media.NewPortPool(mediaIPs[1], cfg.Media.PortMin, cfg.Media.PortMax, media.WithLatching(latching))
		if err != nil {
			return g, fmt.Errorf("media: %w", err)
		}
		g.dualStack = &b2bua.MediaAddr{IP: mediaIPs[1], Ports: pool}
	}
	var sipServer *b2bua.Server
	g.metrics = metrics.New(cfg.NodeName, metrics.Gauges{
		ActiveCalls: func() float64 {
			if sipServer == nil {
				return 0
			}
			return float64(sipServer.ActiveCalls())
		},
		PortsInUse:     func() float64 { return float64(g.PortsInUse()) },
		MediaRejected:  g.mediaRejected,
		SpoolBytes:     g.spoolGauge(func(a *archive.Archiver) float64 { return float64(a.SpoolBytes()) }),
		ArchivePending: g.spoolGauge(func(a *archive.Archiver) float64 { return float64(a.Pending()) }),
		SpoolRoom:      g.spoolGauge(func(a *archive.Archiver) float64 { return float64(a.Room()) }),
		SpoolFull: g.spoolGauge(func(a *archive.Archiver) float64 {
			if a.Full() {
				return 1
			}
			return 0
		}),
		SpoolHeld: g.spoolGauge(func(a *archive.Archiver) float64 { return float64(a.Held()) }),
	})
	g.archive, err = archive.New(archive.Options{
		Store: g.store, Logger: log, Dir: cfg.SpoolDir(), Events: g.events, Signer: g.signer,
		MaxSpoolBytes: int64(cfg.Storage.SpoolMaxMB) << 20, ReserveBytes: int64(cfg.Storage.SpoolReserveMB) << 20,
		Observe: func(kind string, err error) {
			g.metrics.Archived(kind, err)
			if g.archiveHook != nil {
				g.archiveHook(kind, err)
			}
		},
	})
	if err != nil {
		return g, err
	}

	g.recorders = recorder.NewScheduler(0, 0)
	g.spool = spool.New(spool.Options{
		Archive: g.archive, Scheduler: g.recorders, Logger: log, Events: g.events, Observer: g.metrics,
		Keys: g.recordKeys, SpoolKey: g.spoolKey,
	})
	g.splitter = split.New(split.Options{
		Routes:         routes,
		Languages:      langs,
		WithdrawDigits: cfg.Consent.WithdrawDigits,
		PauseMax:       cfg.Consent.PauseMax.Std(),
		IVR: ivr.Options{
			AcceptDigits:  cfg.Consent.AcceptDigits,
			DeclineDigits: cfg.Consent.DeclineDigits,
			Timeout:       cfg.Consent.Timeout.Std(),
			Repeats:       cfg.Consent.Repeats,
		},
		Subjects: split.Subjects{
			Pseudonyms:     pseudonyms,
			DefaultRegion:  cfg.Subjects.DefaultRegion,
			CustomerHeader: cfg.Subjects.CustomerHeader,
		},
		Receipts:   g.archive,
		Recordings: g.spool,
		Node:       cfg.NodeName,
		IDs:        consent.NewIDSource(),
		Logger:     log,
		Observer:   g.metrics,
		Events:     g.events,
		Holdings:   g.registry,
	})
	g.newSweeper()
	if err := g.startRights(pseudonyms); err != nil {
		return g, err
	}
	if err := g.startCallControl(); err != nil {
		return g, err
	}
	// This node's erase discards reach its spool now: the calls an earlier run held (it
	// died) need no longer hold up erases.
	g.registry.Forget()

	listeners, err := sipListeners(cfg)
	if err != nil {
		return g, err
	}
	sipTLSConfig, err := sipTLS(cfg.SIP.TLS)
	if err != nil {
		return g, err
	}
	sipServer, err = b2bua.New(b2bua.Options{
		Listeners:  listeners,
		PublicHost: publicHost,
		MediaIP:    mediaIP,
		Ports:      g.ports,
		DualStack:  g.dualStack,
		Handler:    calls{g.splitter},
		Refused:    g.metrics.InviteRefused,
		Logger:     log,
		UserAgent:  "consentgw/" + Version,
		Admission:  admission(cfg, g.metrics, g.archive.Full),
		TLS:        sipTLSConfig,
		SRTP:       sdpneg.SRTP(cfg.Media.SRTP),
		WebRTC:     webrtcMedia(mediaIP, g.ports),
		CallIDKey:  pseudonyms.CallIDKey,
	})
	if err != nil {
		return g, err
	}
	if err := sipServer.Start(); err != nil {
		return g, err
	}
	g.sip = sipServer
	if err := g.startHTTP(); err != nil {
		return g, err
	}
	g.startRetention()
	log.Info("consentgw started", "version", Version, "sip", cfg.SIP.Listen, "public_host", publicHost,
		"media_ip", cfg.Media.IP, "http", g.httpLn.Addr().String(), "nats", g.bus.ClientURL(), "objects", cfg.ObjectDir())
	return g, nil
}

// newSweeper builds the retention sweeper from storage.retention and retention: it also
// keeps an S3 bucket's lifecycle rule in step with the rules and the legal holds.
func (g *Gateway) newSweeper() {
	rules := g.cfg.RetentionRules()
	g.sweeper = &retention.Sweeper{Store: g.store, Rules: rules, Interval: retention.Interval(rules), Logger: g.log, Events: g.events}
}

// startRetention runs the sweeper: always on S3 (it owns the bucket's rules, which a hold
// withdraws), on the local store when a rule expires anything.
func (g *Gateway) startRetention() {
	if g.cfg.Storage.S3.Endpoint == "" && g.sweeper.Rules.Shortest() == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.background = cancel
	g.sweeping = make(chan struct{})
	go func() {
		defer close(g.sweeping)
		g.sweeper.Run(ctx)
	}()
}

// holdsChanged brings the bucket's rules in step with a hold placed or released now,
// rather than at the next sweep.
func (g *Gateway) holdsChanged() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := g.sweeper.SyncLifecycle(ctx); err != nil {
			g.log.Error("the bucket's retention rule could not follow a legal hold; the next sweep tries again", "error", err)
		}
	}()
}

// Shutdown ends calls (BYE to both legs), stores what they left, and stops everything.
func (g *Gateway) Shutdown(ctx context.Context) error {
	var errs []error
	g.drain.close()
	if g.rights != nil {
		errs = append(errs, g.rights.Close(ctx))
	}
	if g.callctl != nil {
		g.callctl.Close()
	}
	if g.background != nil {
		g.background()
		<-g.sweeping
	}
	if g.sip != nil {
		errs = append(errs, g.sip.Shutdown(ctx))
	}
	if g.dualStack != nil {
		g.dualStack.Ports.Close()
	}
	if g.ports != nil {
		g.ports.Close() // every call has ended: stop the media poller
	}
	if g.recorders != nil {
		g.recorders.Close() // and every recording with it
	}
	if g.spool != nil {
		g.spool.Close() // repairs still waiting for disk space wait for the next start
	}
	if g.http != nil {
		errs = append(errs, g.http.Shutdown(ctx))
	}
	if g.archive != nil {
		errs = append(errs, g.archive.Close(ctx))
	}
	if g.registry != nil {
		// Audio left in the spool keeps this node named: erases of its subjects wait
		// for the next start.
		g.registry.Close(ctx, g.archive == nil || g.archive.Pending() == 0)
	}
	if g.events != nil {
		errs = append(errs, g.events.Close(ctx))
	}
	if g.bus != nil {
		g.bus.Close()
	}
	if g.closer != nil {
		errs = append(errs, g.closer())
	}
	return errors.Join(errs...)
}

// calls is the call path as the B2BUA's handler: split.Splitter.ServeCall returns why a
// call ended, which it has logged and counted already.
type calls struct{ s *split.Splitter }

func (c calls) ServeCall(ctx context.Context, in *b2bua.Inbound) { c.s.ServeCall(ctx, in) }

// spoolGauge reads the archive for a gauge, 0 before it exists.
func (g *Gateway) spoolGauge(read func(*archive.Archiver) float64) func() float64 {
	return func() float64 {
		if g.archive == nil {
			return 0
		}
		return read(g.archive)
	}
}

// Store is the object store, for tests and tools that read what calls left.
func (g *Gateway) Store() storage.Store { return g.store }

// openStore picks the object store: S3 when storage.s3.endpoint is set (connecting in
// the background, so a bucket that is down does not keep the gateway from taking calls),
// else the local directory.
func (g *Gateway) openStore() error {
	c := g.cfg.Storage
	if c.S3.Endpoint == "" {
		st, err := local.New(g.cfg.ObjectDir())
		if err != nil {
			return fmt.Errorf("storage.dir: %w", err)
		}
		g.store, g.closer = st, st.Close
		return nil
	}
	var key []byte
	if c.S3.SSE == s3.SSEC {
		key, _ = base64.StdEncoding.DecodeString(c.S3.SSECKey) // validated by config
	}
	st := s3.Open(s3.Options{
		Endpoint: c.S3.Endpoint, Bucket: c.S3.Bucket, Region: c.S3.Region, Secure: c.S3.Secure,
		AccessKey: c.S3.AccessKey, SecretKey: c.S3.SecretKey,
		SSE:            s3.SSE{Mode: c.S3.SSE, Key: key},
		LeaveLifecycle: true, // the retention sweeper sets the rules
		Logger:         g.log,
	})
	g.store, g.closer = st, st.Close
	return nil
}

// HTTPAddr is where /metrics, /healthz and /readyz are served.
func (g *Gateway) HTTPAddr() string { return g.httpLn.Addr().String() }

// NATSURL is the NATS server the gateway uses.
func (g *Gateway) NATSURL() string { return g.bus.ClientURL() }

// ActiveCalls is the number of calls in progress.
func (g *Gateway) ActiveCalls() int { return g.sip.ActiveCalls() }

// PortsInUse is the number of RTP port pairs held.
func (g *Gateway) PortsInUse() int {
	n := g.ports.InUse()
	if g.dualStack != nil {
		n += g.dualStack.Ports.InUse()
	}
	return n
}

// mediaRejected is the datagrams the media ports dropped unseen, by reason, over both
// families' pools.
func (g *Gateway) mediaRejected() map[string]uint64 {
	m := g.ports.Rejected().Snapshot()
	if g.dualStack != nil {
		for reason, n := range g.dualStack.Ports.Rejected().Snapshot() {
			m[reason] += n
		}
	}
	return m
}

func loadPrompt(c config.Consent) (*prompt.Prompt, error) {
	if c.Prompt == "" {
		p, err := prompt.Builtin(c.Language)
		if err != nil {
			return nil, fmt.Errorf("consent.language: %w", err)
		}
		return p, nil
	}
	p, err := prompt.Load(c.Prompt, c.Language)
	if err != nil {
		return nil, fmt.Errorf("consent.prompt: %w", err)
	}
	return p, nil
}

func buildRoutes(routes []config.Route, policyVersion string) ([]split.Route, error) {
	var out []split.Route
	for i, r := range routes {
		var rec, norec sip.Uri
		if err := sip.ParseUri(r.Target(true), &rec); err != nil {
			return nil, fmt.Errorf("routes[%d].record_target: %w", i, err)
		}
		if err := sip.ParseUri(r.Target(false), &norec); err != nil {
			return nil, fmt.Errorf("routes[%d].norecord_target: %w", i, err)
		}
		out = append(out, split.Route{
			Name: r.Name, Match: r.Regexp(), Record: rec, NoRecord: norec, AnswerTimeout: r.AnswerTimeout.Std(),
			Policy: routePolicy(policyVersion, r), Language: r.Language, Menu: r.LanguageMenu,
		})
		if len(r.LanguageMenu) > 1 {
			menu, err := promptOf(prompt.KindMenu, r.LanguageMenuPrompt, strings.Join(r.LanguageMenu, "-"))
			if err == nil && menu == nil {
				err = prompt.ErrNoBuiltinPrompt
			}
			if err != nil {
				return nil, fmt.Errorf("routes[%d].language_menu_prompt: %w", i, err)
			}
			out[len(out)-1].MenuPrompt = menu
		}
	}
	return out, nil
}

func sipListeners(cfg *config.Config) ([]b2bua.Listener, error) {
	ls, err := cfg.Listeners()
	if err != nil {
		return nil, err
	}
	var out []b2bua.Listener
	for _, l := range ls {
		out = append(out, b2bua.Listener{Network: l.Transport, Addr: l.Addr()})
	}
	return out, nil
}

// addresses picks the host advertised in SIP and the media IPs (one, or one of each
// family): the configured ones, else the first listener's host, else (a wildcard
// listener) this machine's primary address.
func addresses(cfg *config.Config) (string, []netip.Addr, error) {
	ls, err := cfg.Listeners()
	if err != nil {
		return "", nil, err
	}
	public := cfg.SIP.PublicAddr
	if host, _, err := net.SplitHostPort(public); err == nil {
		public = host
	}
	if public == "" {
		public = ls[0].Host
		if ip, err := netip.ParseAddr(public); err == nil && ip.IsUnspecified() {
			public = primaryIP().String()
		}
	}
	if ips, err := cfg.MediaIPs(); err != nil || len(ips) > 0 {
		return public, ips, err
	}
	if ip, err := netip.ParseAddr(public); err == nil {
		return public, []netip.Addr{ip}, nil
	}
	return public, []netip.Addr{primaryIP()}, nil
}

// primaryIP is the first global unicast address of this machine, else loopback.
func primaryIP() netip.Addr {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap().Is4() && ip.IsGlobalUnicast() {
				return ip.Unmap()
			}
		}
	}
	return netip.MustParseAddr("127.0.0.1")
}
