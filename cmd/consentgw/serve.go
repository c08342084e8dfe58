package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gateway"
)

// shutdownGrace bounds how long a stopping gateway waits for calls to end and objects to
// be stored.
const shutdownGrace = 30 * time.Second

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("c", "", "configuration `FILE` (YAML); empty = embedded defaults")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "consentgw serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, err := config.Load(*file, os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "consentgw: %v\n", err)
		return exitUsage
	}
	log := newLogger(cfg.Log, stderr)

	// Signals are taken from before the start: one that arrives while the gateway starts
	// (it answers /readyz before Start returns) is acted on once it runs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	drain := make(chan os.Signal, 1)
	signal.Notify(drain, syscall.SIGUSR1)
	defer signal.Stop(drain)
	g, err := gateway.Start(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "consentgw: %v\n", err)
		return exitFailed
	}
	log = log.With("node", cfg.NodeName) // as every line the gateway writes
	if waitStop(ctx, g, drain) {
		log.Info("drained: stopping")
	} else {
		log.Info("stopping: ending calls and storing what they left")
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := g.Shutdown(shutdownCtx); err != nil {
		log.Error("unclean stop", "error", err)
		return exitFailed
	}
	return exitOK
}

// waitStop returns when the gateway should stop: true when a drain (SIGUSR1, POST
// /drain, consentgw drain) finished, false on SIGINT or SIGTERM, which also cut a drain
// short.
func waitStop(ctx context.Context, g *gateway.Gateway, drain <-chan os.Signal) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-drain:
			g.Drain()
		case <-g.Drained():
			return true
		}
	}
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.SlogLevel()}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
