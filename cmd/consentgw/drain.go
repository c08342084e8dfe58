package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gateway"
)

// drainPollEvery is how often `consentgw drain` asks the node how far it is.
const drainPollEvery = 500 * time.Millisecond

// drain asks the gateway on this host to drain (POST /drain on http.listen) and, unless
// --wait=false, waits until it has finished its calls, uploaded its spool and exited.
func drain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("drain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("c", "", "configuration `FILE` of the gateway (for http.listen)")
	addr := fs.String("http", "", "the gateway's HTTP `ADDR` (default: http.listen of the configuration)")
	wait := fs.Bool("wait", true, "wait until the node has drained and exited")
	timeout := fs.Duration("timeout", 0, "give up waiting after this long (0 = as long as calls last); the node goes on draining")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(stderr, "drain", usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))})
	}
	if *addr == "" {
		cfg, err := config.Load(*file, os.Environ())
		if err != nil {
			return fail(stderr, "drain", usageError{err.Error()})
		}
		*addr = localAddr(cfg.HTTP.Listen)
	}
	url := "http://" + *addr + "/drain"
	client := &http.Client{Timeout: 10 * time.Second}
	st, err := drainStatus(client, http.MethodPost, url)
	if err != nil {
		return fail(stderr, "drain", fmt.Errorf("asking %s to drain: %w", *addr, err))
	}
	fmt.Fprintf(stdout, "node %s draining: %d calls in progress, %d jobs in the spool\n", st.Node, st.ActiveCalls, st.PendingJobs)
	if !*wait {
		return exitOK
	}
	var deadline <-chan time.Time
	if *timeout > 0 {
		deadline = time.After(*timeout)
	}
	tick := time.NewTicker(drainPollEvery)
	defer tick.Stop()
	last := st
	for {
		select {
		case <-deadline:
			return fail(stderr, "drain", fmt.Errorf("node %s still draining after %v (%d calls, %d jobs); it goes on", st.Node, *timeout, last.ActiveCalls, last.PendingJobs))
		case <-tick.C:
		}
		now, err := drainStatus(client, http.MethodGet, url)
		if errors.Is(err, syscall.ECONNREFUSED) {
			fmt.Fprintf(stdout, "node %s drained and stopped\n", st.Node)
			return exitOK
		}
		if err != nil {
			return fail(stderr, "drain", fmt.Errorf("asking %s how far the drain is: %w", *addr, err))
		}
		if now.ActiveCalls != last.ActiveCalls || now.PendingJobs != last.PendingJobs {
			fmt.Fprintf(stdout, "node %s: %d calls in progress, %d jobs in the spool\n", now.Node, now.ActiveCalls, now.PendingJobs)
		}
		last = now
	}
}

func drainStatus(client *http.Client, method, url string) (gateway.DrainStatus, error) {
	var st gateway.DrainStatus
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return st, err
	}
	res, err := client.Do(req)
	if err != nil {
		return st, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusAccepted {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return st, fmt.Errorf("%s: %s", res.Status, body)
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("reading the drain status: %w", err)
	}
	return st, nil
}

// localAddr is listen as a client on this host dials it: a wildcard host becomes loopback.
func localAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port)
}
