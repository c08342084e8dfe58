package bus

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/callctl"
	"github.com/consentgw/consentgw/consent/callctl/registry"
	"github.com/consentgw/consentgw/consent/keystore"
	"github.com/consentgw/consentgw/consent/rights"
)

// Role is what a client of the embedded server may do: the least-privilege users of
// testdata/nats/authz.conf, which an external server is given instead.
type Role string

// The roles of nats.authorization.
const (
	// RoleCRM may ask for erasure, synchronously or durably, and nothing else.
	RoleCRM Role = "crm"
	// RoleDPO may send every verb of the rights service (the recorded ones durably too),
	// and read the audit trail.
	RoleDPO Role = "dpo"
	// RoleCallControl may withdraw consent for, pause and resume a running call (agent
	// desktops, payment IVRs).
	RoleCallControl Role = "call_control"
	// roleGateway is the gateway's own connection.
	roleGateway Role = "gateway"
)

// User is one login of the embedded server: a bcrypt password hash or an nkey.
type User struct {
	Name string
	Role Role
	// BcryptHash is the password's bcrypt hash ($2a$, $2b$ or $2y$); the server never
	// holds the password itself.
	BcryptHash string
	// NKey is a user's public nkey ("U…"); the client proves it holds the seed.
	NKey string
}

// userName is what a name may be: it becomes part of the user's inbox prefix.
var userName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ParseUser reads a "NAME:SECRET" entry of nats.authorization, SECRET being a bcrypt hash
// or a public user nkey. A plain password is refused: the configuration would hold it.
func ParseUser(role Role, entry string) (User, error) {
	name, secret, ok := strings.Cut(entry, ":")
	if !ok || !userName.MatchString(name) {
		return User{}, fmt.Errorf("want NAME:BCRYPT-HASH or NAME:NKEY, NAME of letters, digits, _ and - (it names the inbox _INBOX_NAME)")
	}
	u := User{Name: name, Role: role}
	switch {
	case strings.HasPrefix(secret, "$2"):
		if _, err := bcrypt.Cost([]byte(secret)); err != nil {
			return User{}, fmt.Errorf("user %s: not a bcrypt hash: %w", name, err)
		}
		u.BcryptHash = secret
	case nkeys.IsValidPublicUserKey(secret):
		u.NKey = secret
	default:
		return User{}, fmt.Errorf("user %s: want a bcrypt hash ($2a$…) or a public user nkey (U…), not a password: make one with consentgw nats-user", name)
	}
	return u, nil
}

// InboxPrefix is where a user gets its replies; only it may subscribe there, so no
// requester reads another's replies (an export reply holds a download link).
func InboxPrefix(name string) string { return "_INBOX_" + name }

// permissions are the role's rights, as in testdata/nats/authz.conf (the test
// TestEmbeddedPermissionsAreThoseOfAuthzConf keeps them equal).
func permissions(role Role, name string) *server.Permissions {
	inbox := InboxPrefix(name) + ".>"
	switch role {
	case roleGateway:
		return &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{
				"$JS.API.>", "$JS.ACK." + rights.Stream + ".>", audit.SubjectPrefix + ">", rights.ControlErase,
				"$KV." + registry.Bucket + ".>", "$KV." + keystore.Bucket + ".>",
			}},
			Subscribe: &server.SubjectPermission{Allow: []string{
				rights.RPCPrefix + "*", rights.NodeRPCSubject("*", "*"), rights.ControlErase, callctl.SubjectPrefix + "*.*", "_INBOX.>",
			}},
			Response: &server.ResponsePermission{}, // the defaults: one reply per request received, within 2 minutes
		}
	case RoleCRM:
		return &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{rights.RPCPrefix + "erase", rights.RequestPrefix + "erase"}},
			Subscribe: &server.SubjectPermission{Allow: []string{inbox}},
		}
	case RoleDPO:
		return &server.Permissions{
			Publish: &server.SubjectPermission{Allow: append(dpoVerbs(),
				"$JS.API.CONSUMER.CREATE."+audit.Stream+".>", "$JS.API.CONSUMER.MSG.NEXT."+audit.Stream+".>",
				"$JS.API.STREAM.INFO."+audit.Stream,
			)},
			Subscribe: &server.SubjectPermission{Allow: []string{inbox, audit.SubjectPrefix + ">"}},
		}
	case RoleCallControl:
		return &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: []string{callctl.SubjectPrefix + "*.*"}},
			Subscribe: &server.SubjectPermission{Allow: []string{inbox}},
		}
	}
	// An unknown role may do nothing at all.
	return &server.Permissions{Publish: &server.SubjectPermission{Deny: []string{">"}}, Subscribe: &server.SubjectPermission{Deny: []string{">"}}}
}

// dpoVerbs are the subjects of every verb, over RPC, and durably for the recorded ones.
func dpoVerbs() []string {
	var rpc, durable []string
	for _, v := range rights.Verbs {
		rpc = append(rpc, rights.RPCPrefix+string(v))
		if v.Recorded() {
			durable = append(durable, rights.RequestPrefix+string(v))
		}
	}
	return append(rpc, durable...)
}

// serverUsers turns users, and the gateway's own nkey, into the embedded server's logins.
func serverUsers(users []User, gatewayNKey string) ([]*server.User, []*server.NkeyUser) {
	var pw []*server.User
	nk := []*server.NkeyUser{{Nkey: gatewayNKey, Permissions: permissions(roleGateway, string(roleGateway))}}
	for _, u := range users {
		if u.NKey != "" {
			nk = append(nk, &server.NkeyUser{Nkey: u.NKey, Permissions: permissions(u.Role, u.Name)})
			continue
		}
		pw = append(pw, &server.User{Username: u.Name, Password: u.BcryptHash, Permissions: permissions(u.Role, u.Name)})
	}
	return pw, nk
}
