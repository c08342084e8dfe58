package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/consent/subject"
)

// pseudonym prints the key the gateway gives a value: a Call-ID's (call_id_key in logs,
// sip_call_id_key in events), or a subject's (subjects/<key>/ in the store), with the
// gateway's HMAC key from its configuration or data_dir. An operator who has a Call-ID
// from a trunk's CDR finds the call's log lines and events this way.
func pseudonym(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("pseudonym", flag.ContinueOnError)
	flags.SetOutput(stderr)
	file := flags.String("c", "", "the gateway's configuration `FILE` (data_dir, subjects.hmac_key, subjects.default_region)")
	typ := flags.String("type", string(subject.TypeCallID), "what VALUE is: call-id, tel, customer or agent")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() != 1 {
		return fail(stderr, "pseudonym", usageError{"want one VALUE (or - to read it from standard input), e.g. consentgw pseudonym --type call-id 'a84b4c76e66710@pc33.example.com'"})
	}
	value := flags.Arg(0)
	if value == "-" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fail(stderr, "pseudonym", fmt.Errorf("reading the value: %w", err))
		}
		value = strings.TrimRight(line, "\r\n")
	}
	if value == "" {
		return fail(stderr, "pseudonym", usageError{"the value is empty"})
	}
	cfg, err := config.Load(*file, os.Environ())
	if err != nil {
		return fail(stderr, "pseudonym", usageError{err.Error()})
	}
	key, err := subject.LoadKey(cfg.DataDir, cfg.Subjects.HMACKey)
	if errors.Is(err, fs.ErrNotExist) {
		return fail(stderr, "pseudonym", fmt.Errorf("no subject key in %s: name the gateway's configuration with -c (data_dir or subjects.hmac_key)", cfg.DataDir))
	}
	if err != nil {
		return fail(stderr, "pseudonym", err)
	}
	p, err := subject.NewPseudonymizer(key)
	if err != nil {
		return fail(stderr, "pseudonym", err)
	}
	if subject.Type(*typ) == subject.TypeCallID {
		fmt.Fprintln(stdout, p.CallIDKey(value))
		return exitOK
	}
	t, err := subject.ParseType(*typ)
	if err != nil {
		return fail(stderr, "pseudonym", usageError{"--type: want call-id, tel, customer or agent"})
	}
	k, err := p.NormalizedKey(subject.Subject{Type: t, Value: value}, cfg.Subjects.DefaultRegion)
	if err != nil {
		return fail(stderr, "pseudonym", err)
	}
	fmt.Fprintln(stdout, k)
	return exitOK
}
