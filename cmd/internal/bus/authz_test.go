package bus

import (
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"
)

// The embedded server's roles have exactly the rights of the users of
// testdata/nats/authz.conf, which an external server is given.
func TestEmbeddedPermissionsAreThoseOfAuthzConf(t *testing.T) {
	opts, err := server.ProcessConfigFile(filepath.Join("..", "..", "..", "testdata", "nats", "authz.conf"))
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]Role{"gateway": roleGateway, "crm": RoleCRM, "dpo": RoleDPO, "desk": RoleCallControl}
	seen := 0
	for _, u := range opts.Users {
		role, ok := roles[u.Username]
		if !ok {
			t.Errorf("authz.conf has user %s of no role", u.Username)
			continue
		}
		seen++
		want := u.Permissions
		got := permissions(role, u.Username)
		same := func(a, b *server.SubjectPermission) bool {
			return slices.Equal(sorted(a.Allow), sorted(b.Allow)) && slices.Equal(sorted(a.Deny), sorted(b.Deny))
		}
		if !same(got.Publish, want.Publish) || !same(got.Subscribe, want.Subscribe) || (got.Response == nil) != (want.Response == nil) {
			t.Errorf("%s: embedded permissions\n  publish %v subscribe %v responses %v\nauthz.conf\n  publish %v subscribe %v responses %v",
				u.Username, got.Publish.Allow, got.Subscribe.Allow, got.Response != nil, want.Publish.Allow, want.Subscribe.Allow, want.Response != nil)
		}
	}
	if seen != len(roles) {
		t.Errorf("authz.conf has %d of the %d roles", seen, len(roles))
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestUserEntriesAreHashesOrNKeysNeverPasswords(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	for entry, ok := range map[string]bool{
		"crm:" + string(hash): true, "crm-2:" + pub: true,
		"crm:hunter2hunter2": false, "crm:" + string(seed): false, "crm:$2a$10$x": false,
		pub: false, "c rm:" + pub: false, "crm.x:" + pub: false, ":" + pub: false,
	} {
		if _, err := ParseUser(RoleCRM, entry); (err == nil) != ok {
			t.Errorf("ParseUser(%q) = %v, want ok %v", entry, err, ok)
		}
	}
}

// An embedded server without users warns at start unless it listens on loopback only
// (what Open logs; a test binds loopback only, so the check is called as Open calls it).
func TestOpenEmbeddedServerBeyondLoopbackIsWarnedOf(t *testing.T) {
	for listen, warned := range map[string]bool{
		"127.0.0.1:4222": false, "127.3.4.5:4222": false, "[::1]:4222": false, "localhost:4222": false,
		":4222": true, "0.0.0.0:4222": true, "[::]:4222": true, "192.0.2.1:4222": true, "nats.example.com:4222": true,
	} {
		logs := newLogRecorder()
		warnIfOpen(slog.New(logs), listen, 0)
		if w := logs.matching("the embedded NATS server listens beyond loopback without authorization"); (len(w) == 1) != warned || (warned && w[0].level != slog.LevelWarn) {
			t.Errorf("%s without users: %+v, want a WARN %v", listen, w, warned)
		}
		logs = newLogRecorder()
		if warnIfOpen(slog.New(logs), listen, 1); len(logs.matching("")) > 0 {
			t.Errorf("%s with users: warned", listen)
		}
	}
}

// With users, the embedded server lets the gateway in with its own key (which may
// create the streams) and no one anonymous; without, it warns when it listens beyond
// loopback (checked by isLoopback above, since a test binds loopback only).
func TestEmbeddedServerWithUsersRefusesAnonymousClients(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("crm-pw"), bcrypt.MinCost)
	logs := newLogRecorder()
	b, err := Open(Options{Listen: freeListen(t), StoreDir: t.TempDir(), Name: "t", Logger: slog.New(logs),
		Users: []User{{Name: "crm", Role: RoleCRM, BcryptHash: string(hash)}}})
	if err != nil {
		t.Fatalf("the gateway could not log in to its own server: %v", err)
	}
	defer b.Close()
	if _, err := nats.Connect(b.ClientURL()); !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("anonymous client: %v, want an authorization violation", err)
	}
	if _, err := nats.Connect(b.ClientURL(), nats.UserInfo("crm", "wrong")); !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("wrong password: %v, want an authorization violation", err)
	}
	nc, err := nats.Connect(b.ClientURL(), nats.UserInfo("crm", "crm-pw"))
	if err != nil {
		t.Fatalf("crm: %v", err)
	}
	nc.Close()
	if w := logs.matching("the embedded NATS server listens beyond loopback"); len(w) > 0 {
		t.Errorf("warned on loopback: %+v", w)
	}
}
