package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/cmd/internal/bus"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/subject"
)

// clientFlags are the flags every command that asks a gateway shares.
type clientFlags struct {
	natsURL     string
	configFile  string
	subject     string
	requestedBy string
	requestID   string
	timeout     time.Duration
	jsonOut     bool
	signKeyFile string
	inboxPrefix string
	signer      *rights.SigningKey
	// The requester's NATS login; any of them replaces the configuration's.
	user, password, credsFile, nkeyFile string
	auth                                *bus.Auth
}

func (f *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.natsURL, "nats", "", "NATS `URL` of the gateway (default: nats.url, or the embedded server at nats.listen, from the configuration)")
	fs.StringVar(&f.configFile, "c", "", "configuration `FILE` to read the NATS address and login from")
	fs.StringVar(&f.requestedBy, "requested-by", defaultRequester(), "who asks, for the audit trail")
	fs.StringVar(&f.requestID, "request-id", "", "request `ID`; repeating an ID returns its first result (default: a new one)")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long to wait for the gateway's reply")
	fs.BoolVar(&f.jsonOut, "json", false, "print the gateway's reply as JSON")
	fs.StringVar(&f.signKeyFile, "sign-key", "", "`FILE` holding this requester's NAME:BASE64KEY (an entry of nats.request_keys): the request is signed and requested_by is NAME")
	fs.StringVar(&f.inboxPrefix, "inbox-prefix", "", "NATS reply subject `PREFIX` (default _INBOX_<user> with --user, else _INBOX); a least-privilege NATS user may only subscribe to its own, e.g. _INBOX_crm")
	fs.StringVar(&f.user, "user", "", "NATS user `NAME` (with --password)")
	fs.StringVar(&f.password, "password", "", "NATS `PASSWORD` of --user; - reads it from standard input (keeps it out of ps and shell history)")
	fs.StringVar(&f.credsFile, "creds", "", "NATS credentials `FILE` (user JWT and nkey seed)")
	fs.StringVar(&f.nkeyFile, "nkey", "", "`FILE` holding this requester's nkey seed (SU…); give --inbox-prefix _INBOX_<name> too")
}

// login is the NATS login the flags give, if any; at most one kind.
func (f *clientFlags) login(stdin io.Reader) (*bus.Auth, error) {
	n := 0
	for _, s := range []string{f.user, f.credsFile, f.nkeyFile} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0 && f.password != "":
		return nil, usageError{"--password needs --user"}
	case n == 0:
		return nil, nil
	case n > 1:
		return nil, usageError{"give one login: --user and --password, --creds or --nkey"}
	}
	if f.password == "-" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, usageError{fmt.Sprintf("--password -: %v", err)}
		}
		f.password = strings.TrimRight(line, "\r\n")
	}
	if f.user != "" && f.inboxPrefix == "" {
		f.inboxPrefix = bus.InboxPrefix(f.user)
	}
	return &bus.Auth{User: f.user, Password: f.password, CredentialsFile: f.credsFile, NKeySeedFile: f.nkeyFile}, nil
}

func defaultRequester() string {
	user := os.Getenv("USER")
	host, _ := os.Hostname()
	if user == "" {
		user = "cli"
	}
	return user + "@" + host
}

// usageError is a bad command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// subjectUse says whether a command takes --subject.
type subjectUse int

const (
	subjectRequired subjectUse = iota
	subjectOptional
	subjectNone
)

// parseClient reads a client command's flags; FILE.zip-style checks are the caller's.
func parseClient(name string, args []string, stdin io.Reader, stderr io.Writer, f *clientFlags, use subjectUse, extra func(*flag.FlagSet)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	if use != subjectNone {
		fs.StringVar(&f.subject, "subject", "", "the data subject as `TYPE:VALUE`: tel:+4512345678, customer:C-1001 or agent:alice")
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return usageError{""}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if f.subject == "" && use == subjectRequired {
		return usageError{"--subject is required, e.g. --subject tel:+4512345678"}
	}
	if _, err := subject.Parse(f.subject); err != nil && f.subject != "" {
		return usageError{"--subject: want TYPE:VALUE with TYPE tel, customer or agent, e.g. tel:+4512345678"}
	}
	if f.requestID == "" {
		f.requestID = "cli-" + consent.NewIDSource().New(time.Now())
	}
	if f.timeout <= 0 {
		return usageError{"--timeout must be positive"}
	}
	login, err := f.login(stdin)
	if err != nil {
		return err
	}
	f.auth = login
	if f.signKeyFile != "" {
		b, err := os.ReadFile(f.signKeyFile)
		if err != nil {
			return usageError{fmt.Sprintf("--sign-key: %v", err)}
		}
		k, err := rights.ParseSigningKey(string(b))
		if err != nil {
			return usageError{fmt.Sprintf("--sign-key %s: %v", f.signKeyFile, err)}
		}
		f.signer = &k
		f.requestedBy = k.Name // the gateway takes the signer as the requester
	}
	return nil
}

// payload is the request body: request_id, requested_by, the subject if given, and the
// verb's own fields (those with zero values are left out).
func (f *clientFlags) payload(fields map[string]any) ([]byte, error) {
	req := map[string]any{"request_id": f.requestID, "requested_by": f.requestedBy}
	if f.subject != "" {
		s, err := subject.Parse(f.subject)
		if err != nil {
			return nil, err
		}
		req["subject"] = map[string]string{"type": string(s.Type), "value": s.Value}
	}
	for k, v := range fields {
		switch v {
		case "", false, 0:
			continue
		}
		req[k] = v
	}
	return json.Marshal(req)
}

// connect opens NATS as the configuration says, unless --nats or the login flags say
// otherwise. refused is told of a permission violation, which NATS reports apart from
// the request it refused.
func (f *clientFlags) connect(refused func(error)) (*nats.Conn, string, error) {
	cfg, err := config.Load(f.configFile, os.Environ())
	if err != nil {
		return nil, "", usageError{err.Error()}
	}
	url := f.natsURL
	if url == "" {
		url = cfg.NATS.URL
	}
	if url == "" {
		url = "nats://" + cfg.NATS.Listen
	}
	auth := cfg.NATS.Auth()
	if f.auth != nil {
		auth.User, auth.Password, auth.CredentialsFile, auth.NKeySeedFile = f.auth.User, f.auth.Password, f.auth.CredentialsFile, f.auth.NKeySeedFile
	}
	opts, err := auth.Options()
	if err != nil {
		return nil, url, err
	}
	opts = append(opts, nats.Name("consentgw-cli"), nats.Timeout(5*time.Second), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if refused != nil && errors.Is(err, nats.ErrPermissionViolation) {
			refused(err)
		}
	}))
	if f.inboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(f.inboxPrefix))
	}
	nc, err := nats.Connect(url, opts...)
	switch {
	case errors.Is(err, nats.ErrAuthorization):
		return nil, url, fmt.Errorf("NATS at %s refused the login (%w): give --user and --password, --creds or --nkey of a user allowed to do this", url, err)
	case err != nil:
		return nil, url, fmt.Errorf("cannot reach NATS at %s (%w): is 'consentgw serve' running? Give the address with --nats", url, err)
	}
	return nc, url, nil
}

// reply is the part of a gateway reply every command reads.
type reply struct {
	Status string `json:"status"`
	Error  string `json:"error"`
}

// call sends the request on consentgw.rpc.<verb> and returns the raw reply of a completed
// request; a rejected or failed one is an error that says what to do.
func (f *clientFlags) call(verb rights.Verb, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	ctx, refuse := context.WithCancelCause(ctx)
	defer refuse(nil)
	nc, url, err := f.connect(refuse)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	req := nats.NewMsg(rights.RPCPrefix + string(verb))
	req.Data = body
	if f.signer != nil {
		req.Header.Set(rights.SignatureHeader, f.signer.Sign(verb, body))
	}
	msg, err := nc.RequestMsgWithContext(ctx, req)
	if cause := context.Cause(ctx); err != nil && errors.Is(cause, nats.ErrPermissionViolation) {
		return nil, fmt.Errorf("NATS refused the %s request (%w): this login may not do it", verb, cause)
	}
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return nil, fmt.Errorf("no gateway serves requests on %s: is 'consentgw serve' running there?", url)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return nil, fmt.Errorf("no reply within %v; the %s may still complete: run the same command with --request-id %s to get its result", f.timeout, verb, f.requestID)
	case err != nil:
		return nil, fmt.Errorf("sending the %s request to %s: %w", verb, url, err)
	}
	var r reply
	if err := json.Unmarshal(msg.Data, &r); err != nil {
		return nil, fmt.Errorf("the gateway's reply is not JSON: %q", msg.Data)
	}
	switch r.Status {
	case rights.StatusCompleted, rights.StatusPartial, rights.StatusDryRun:
		return msg.Data, nil
	case rights.StatusRejected:
		return nil, fmt.Errorf("%s rejected: %s", verb, r.Error)
	default:
		return nil, fmt.Errorf("%s failed: %s (request id %s)", verb, r.Error, f.requestID)
	}
}

// answer asks verb (see ask) as command cmd and prints the reply: as it came with
// --json, else by human, which reads v.
func (f *clientFlags) answer(cmd string, verb rights.Verb, fields map[string]any, v any, stdout, stderr io.Writer, human func()) int {
	raw, err := f.ask(verb, fields, v)
	if err != nil {
		return fail(stderr, cmd, err)
	}
	if f.jsonOut {
		fmt.Fprintf(stdout, "%s\n", raw)
		return exitOK
	}
	human()
	return exitOK
}

// ask sends a verb with the flags' payload and fields, and decodes the reply into v.
func (f *clientFlags) ask(verb rights.Verb, fields map[string]any, v any) ([]byte, error) {
	body, err := f.payload(fields)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	raw, err := f.call(verb, body)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("the gateway's reply is not a %s result: %w", verb, err)
	}
	return raw, nil
}
