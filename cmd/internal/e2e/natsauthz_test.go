package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/cmd/internal/bus/natstest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/rights"
)

// The users of testdata/nats/authz.conf.
var (
	gatewayUser = [2]string{"gateway", "gateway-secret-for-tests"}
	crmUser     = [2]string{"crm", "crm-secret-for-tests"}
	dpoUser     = [2]string{"dpo", "dpo-secret-for-tests"}
)

func requestKey(name string, fill byte) string {
	return name + ":" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(rune('a'+fill)), 32)))
}

// permissionErrors connects as user with its own inbox prefix and collects the server's
// permission violations, which NATS reports asynchronously.
func permissionErrors(t *testing.T, url string, user [2]string) (*nats.Conn, <-chan error) {
	t.Helper()
	errs := make(chan error, 16)
	nc, err := nats.Connect(url, nats.UserInfo(user[0], user[1]), nats.CustomInboxPrefix("_INBOX_"+user[0]),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}))
	if err != nil {
		t.Fatalf("connecting as %s: %v", user[0], err)
	}
	t.Cleanup(nc.Close)
	return nc, errs
}

func signedRPC(t *testing.T, nc *nats.Conn, key string, verb rights.Verb, body string) (map[string]any, error) {
	t.Helper()
	k, err := rights.ParseSigningKey(key)
	if err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg(rights.RPCPrefix + string(verb))
	msg.Data = []byte(body)
	msg.Header.Set(rights.SignatureHeader, k.Sign(verb, msg.Data))
	res, err := nc.RequestMsg(msg, 5*time.Second)
	if err != nil {
		return nil, err
	}
	var reply map[string]any
	if err := json.Unmarshal(res.Data, &reply); err != nil {
		t.Fatal(err)
	}
	return reply, nil
}

func wantViolation(t *testing.T, errs <-chan error, what string) {
	t.Helper()
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) && !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Fatalf("%s: server said %v, want a permissions violation", what, err)
		}
	case <-time.After(waitLimit):
		t.Fatalf("%s: no permissions violation reported", what)
	}
}

// The gateway runs on a nats-server with the least-privilege users of
// testdata/nats/authz.conf and with signed requests: the CRM may erase (signed as
// itself) but the server refuses its export and its peek at the audit trail; the DPO
// exports; every completed request names the signer.
func TestNATSPermissionsKeepTheCRMToErase(t *testing.T) {
	srv := natstest.Start(t, natstest.WithConfig(filepath.Join(sipptest.RepoRoot(), "testdata", "nats", "authz.conf"), gatewayUser[0], gatewayUser[1]))
	crmKey, dpoKey := requestKey("crm", 1), requestKey("dpo", 2)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		c.NATS.URL = srv.URL
		c.NATS.User, c.NATS.Password = gatewayUser[0], gatewayUser[1]
		c.NATS.RequestKeys = []string{crmKey, dpoKey}
	})
	_ = gw // serves until the test ends

	crm, crmErrs := permissionErrors(t, srv.URL, crmUser)
	body := `{"request_id":"authz-erase","subject":{"type":"tel","value":"` + callerNumber + `"}}`
	reply, err := signedRPC(t, crm, crmKey, rights.VerbErase, body)
	if err != nil || reply["status"] != rights.StatusCompleted || reply["requested_by"] != "crm" {
		t.Fatalf("CRM erase: %v %v, want completed by crm", reply, err)
	}

	exportBody := `{"request_id":"authz-export","subject":{"type":"tel","value":"` + callerNumber + `"}}`
	if reply, err := signedRPC(t, crm, crmKey, rights.VerbExport, exportBody); err == nil {
		t.Fatalf("CRM export got a reply: %v", reply)
	}
	wantViolation(t, crmErrs, "CRM publishing an export")
	if _, err := crm.SubscribeSync("consentgw.events.>"); err == nil {
		crm.Flush()
		wantViolation(t, crmErrs, "CRM reading the audit trail")
	}

	dpo, _ := permissionErrors(t, srv.URL, dpoUser)
	reply, err = signedRPC(t, dpo, dpoKey, rights.VerbExport, exportBody)
	if err != nil || reply["status"] != rights.StatusCompleted || reply["requested_by"] != "dpo" {
		t.Fatalf("DPO export: %v %v, want completed by dpo", reply, err)
	}
	// A durable erase from the CRM, published while the DPO watches the audit trail.
	events, err := dpo.SubscribeSync(audit.SubjectPrefix + ">")
	if err != nil {
		t.Fatal(err)
	}
	dpo.Flush()
	js, err := jetstream.New(crm)
	if err != nil {
		t.Fatal(err)
	}
	durable := `{"request_id":"authz-durable","subject":{"type":"tel","value":"` + callerNumber + `"}}`
	k, _ := rights.ParseSigningKey(crmKey)
	msg := nats.NewMsg(rights.RequestPrefix + "erase")
	msg.Data = []byte(durable)
	msg.Header.Set(rights.SignatureHeader, k.Sign(rights.VerbErase, msg.Data))
	if _, err := js.PublishMsg(t.Context(), msg); err != nil {
		t.Fatalf("CRM durable erase: %v", err)
	}
	for seen := 0; ; seen++ {
		if seen > 100 {
			t.Fatal("100 events and none is the durable erase's subject.erased")
		}
		m, err := events.NextMsg(waitLimit)
		if err != nil {
			t.Fatalf("no subject.erased event for the durable erase: %v", err)
		}
		if m.Subject == audit.Subject(audit.KindSubjectErased) && strings.Contains(string(m.Data), "authz-durable") {
			if !strings.Contains(string(m.Data), `"requested_by":"crm"`) {
				t.Fatalf("durable erase event %s does not name the signer", m.Data)
			}
			break
		}
	}

	// A client with the right to publish erase requests but the CRM's key cannot pass
	// as the DPO.
	forged := `{"request_id":"authz-forged","subject":{"type":"tel","value":"` + callerNumber + `"},"requested_by":"dpo"}`
	reply, err = signedRPC(t, crm, crmKey, rights.VerbErase, forged)
	if err != nil || reply["status"] != rights.StatusRejected {
		t.Fatalf("CRM erase claiming to be dpo: %v %v, want rejected", reply, err)
	}
}
