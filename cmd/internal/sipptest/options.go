// Package sipptest runs SIPp scenarios from Go tests: it picks loopback ports,
// starts sipp in its own process group inside the test's temporary directory,
// waits for it, and collects its exit code and logs. Every SIPp socket stays on
// 127.0.0.1, and every run is bounded by SIPp's -timeout and a hard kill.
package sipptest

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// DefaultTimeout bounds a run when Options.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// Options describes one SIPp run.
type Options struct {
	Scenario string // file name under testdata/sipp, or an absolute path
	Remote   string // "127.0.0.1:5060"; empty for a UAS

	LocalPort, MediaPort int // 0 = reserve them (sip/testports); MediaPort is the first of 4
	// LocalIP is the loopback address SIPp sends from (-i, -mi); default 127.0.0.1.
	// Another 127.0.0.0/8 address plays a second source, e.g. an untrusted one.
	LocalIP string

	Calls int // -m; default 1
	Rate  int // -r calls per second; 0 = SIPp's default
	Limit int // -l simultaneous calls; 0 = SIPp's default

	Keys map[string]string // -key name value, used as [name] in the scenario

	Timeout   time.Duration // SIPp's -timeout (whole seconds, rounded up) and a hard kill; default 60s
	Transport string        // "u1" (default, UDP) or "t1" (TCP)

	Args []string // more sipp options, appended as given (e.g. "-trace_msg")
}

// withDefaults fills the zero values that have a default.
func (o Options) withDefaults() Options {
	if o.Calls == 0 {
		o.Calls = 1
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Transport == "" {
		o.Transport = "u1"
	}
	if o.LocalIP == "" {
		o.LocalIP = "127.0.0.1"
	}
	return o
}

// network is the socket family of the SIP transport.
func (o Options) network() string {
	if o.Transport == "t1" || o.Transport == "tn" {
		return "tcp"
	}
	return "udp"
}

// runFiles are the files SIPp writes in the run directory.
type runFiles struct {
	errorLog string
	log      string
}

func newRunFiles(dir string) runFiles {
	return runFiles{
		errorLog: filepath.Join(dir, "errors.log"),
		log:      filepath.Join(dir, "sipp.log"),
	}
}

// args builds sipp's command line; opts has its defaults and ports filled in.
func (o Options) args(files runFiles, controlPort int) []string {
	args := []string{"-sf", ScenarioPath(o.Scenario)}
	if o.Remote != "" {
		args = append(args, o.Remote)
	}
	args = append(args,
		"-t", o.Transport,
		// Everything on loopback: SIP, media, and the UDP control socket that
		// SIPp would otherwise bind on 0.0.0.0:8888.
		"-i", o.LocalIP,
		"-mi", o.LocalIP,
		"-ci", "127.0.0.1",
		"-p", strconv.Itoa(o.LocalPort),
		"-mp", strconv.Itoa(o.MediaPort),
		"-cp", strconv.Itoa(controlPort),
		"-m", strconv.Itoa(o.Calls),
		"-nostdin",
		"-aa", // 200 to stray in-dialog INFO/OPTIONS/UPDATE instead of failing the call
		"-trace_err", "-error_file", files.errorLog,
		"-trace_logs", "-log_file", files.log,
		"-timeout", fmt.Sprintf("%ds", int(math.Ceil(o.Timeout.Seconds()))),
		"-timeout_error",
		// A loaded CI machine stalls SIPp's main loop now and then; its
		// watchdog would end the run after 120 such stalls.
		"-watchdog_minor_maxtriggers", "1000000",
		"-watchdog_major_maxtriggers", "1000000",
	)
	if o.Rate > 0 {
		args = append(args, "-r", strconv.Itoa(o.Rate))
	}
	if o.Limit > 0 {
		args = append(args, "-l", strconv.Itoa(o.Limit))
	}
	names := make([]string, 0, len(o.Keys))
	for name := range o.Keys {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		args = append(args, "-key", name, o.Keys[name])
	}
	return append(args, o.Args...)
}
