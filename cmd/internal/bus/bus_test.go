package bus

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/cmd/internal/bus/natstest"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/sip/testports"
)

func freeListen(t *testing.T) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(testports.Port(t, testports.TCP))
}

func streamConfig(t *testing.T, js jetstream.JetStream, name string) jetstream.StreamConfig {
	t.Helper()
	s, err := js.Stream(t.Context(), name)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	return s.CachedInfo().Config
}

func TestEmbeddedServerGetsTheStreams(t *testing.T) {
	b, err := Open(Options{Listen: freeListen(t), StoreDir: t.TempDir(), Name: "t", EventsMaxAge: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	req := streamConfig(t, b.JS, rights.Stream)
	if req.Retention != jetstream.WorkQueuePolicy || req.Subjects[0] != "consentgw.requests.>" || req.Storage != jetstream.FileStorage {
		t.Errorf("requests stream %+v", req)
	}
	ev := streamConfig(t, b.JS, audit.Stream)
	if ev.Retention != jetstream.LimitsPolicy || ev.Subjects[0] != "consentgw.events.>" || ev.MaxAge != 48*time.Hour {
		t.Errorf("events stream %+v", ev)
	}
}

func TestStreamsAreUpdatedAtStart(t *testing.T) {
	srv := natstest.Start(t)
	first, err := Open(Options{URL: srv.URL, Name: "a", EventsMaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	second, err := Open(Options{URL: srv.URL, Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if got := streamConfig(t, second.JS, audit.Stream).MaxAge; got != 0 {
		t.Fatalf("events max age %v after restart without a limit, want 0 (forever)", got)
	}
}

func TestExternalServerWithUserAndPassword(t *testing.T) {
	srv := natstest.Start(t, natstest.WithUser("gw", "s3cret"))
	b, err := Open(Options{URL: srv.URL, Name: "gw", Auth: Auth{User: "gw", Password: "s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Ping(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{URL: srv.URL, Auth: Auth{User: "gw", Password: "wrong"}}); err == nil {
		t.Fatal("connected with a wrong password")
	}
}

func TestAuthOptionsCatchMistakesAtStart(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	cases := []struct {
		name string
		auth Auth
		is   error
	}{
		{"two logins", Auth{User: "a", CredentialsFile: notPEM}, ErrAuthConflict},
		{"missing creds", Auth{CredentialsFile: filepath.Join(dir, "none.creds")}, os.ErrNotExist},
		{"missing seed", Auth{NKeySeedFile: filepath.Join(dir, "none.nk")}, nil},
		{"CA without certificate", Auth{TLS: TLS{CA: notPEM}}, ErrNoCertificates},
		{"cert without key", Auth{TLS: TLS{Cert: notPEM}}, ErrCertWithoutKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.auth.Options()
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("Options() = %v, want %v", err, tc.is)
			}
		})
	}
	if opts, err := (Auth{User: "a", Password: "b"}).Options(); err != nil || len(opts) != 1 {
		t.Fatalf("user and password: %d options, %v", len(opts), err)
	}
}

func TestNATSServerHarnessKeepsItsStoreAcrossRestarts(t *testing.T) {
	srv := natstest.Start(t)
	b, err := Open(Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.JS.Publish(t.Context(), rights.RequestPrefix+"erase", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	b.Close()
	srv.Restart(t)
	nc := srv.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, rights.Stream)
	if err != nil || s.CachedInfo().State.Msgs != 1 {
		t.Fatalf("after restart: %v, %+v", err, s)
	}
}
