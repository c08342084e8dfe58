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
	"golang.org/x/crypto/bcrypt"

	"github.com/consentgw/consentgw/cmd/internal/bus/natstest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/callctl"
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

// erasedEvent waits on events for the subject.erased event of requestID and returns it.
func erasedEvent(t *testing.T, events *nats.Subscription, requestID string) string {
	t.Helper()
	for seen := 0; seen <= 100; seen++ {
		m, err := events.NextMsg(waitLimit)
		if err != nil {
			t.Fatalf("no subject.erased event for %s: %v", requestID, err)
		}
		if m.Subject == audit.Subject(audit.KindSubjectErased) && strings.Contains(string(m.Data), requestID) {
			return string(m.Data)
		}
	}
	t.Fatalf("100 events and none is the subject.erased of %s", requestID)
	return ""
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
	if ev := erasedEvent(t, events, "authz-durable"); !strings.Contains(ev, `"requested_by":"crm"`) {
		t.Fatalf("durable erase event %s does not name the signer", ev)
	}

	// A client with the right to publish erase requests but the CRM's key cannot pass
	// as the DPO.
	forged := `{"request_id":"authz-forged","subject":{"type":"tel","value":"` + callerNumber + `"},"requested_by":"dpo"}`
	reply, err = signedRPC(t, crm, crmKey, rights.VerbErase, forged)
	if err != nil || reply["status"] != rights.StatusRejected {
		t.Fatalf("CRM erase claiming to be dpo: %v %v, want rejected", reply, err)
	}
}

// embeddedUsers gives the gateway's embedded server the users of authz.conf, by role,
// with bcrypt hashes of their test passwords.
func embeddedUsers(t *testing.T) func(*config.Config) {
	t.Helper()
	entry := func(user [2]string) []string {
		hash, err := bcrypt.GenerateFromPassword([]byte(user[1]), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return []string{user[0] + ":" + string(hash)}
	}
	crm, dpo, desk := entry(crmUser), entry(dpoUser), entry(deskUser)
	return func(c *config.Config) {
		c.NATS.Authorization = config.NATSAuthorization{CRM: crm, DPO: dpo, CallControl: desk}
	}
}

var deskUser = [2]string{"desk", "desk-secret-for-tests"}

// The embedded server started by the gateway, with nats.authorization: no anonymous
// client gets in; the CRM may erase (synchronously and durably) but the server refuses
// its export and its peek at the audit trail; the DPO exports and reads the trail; the
// agent desk may send call control and nothing else. The gateway serves all of it
// with its own login.
func TestEmbeddedNATSKeepsEachClientToItsRole(t *testing.T) {
	gw := gatewaytest.Start(t, embeddedUsers(t))
	url := gw.NATSURL()
	if nc, err := nats.Connect(url); !errors.Is(err, nats.ErrAuthorization) {
		if nc != nil {
			nc.Close()
		}
		t.Fatalf("anonymous client: %v, want an authorization violation", err)
	}

	crm, crmErrs := permissionErrors(t, url, crmUser)
	var erased rights.EraseResult
	rpc(t, crm, "erase", `{"request_id":"embedded-erase","subject":{"type":"tel","value":"`+callerNumber+`"},"requested_by":"crm"}`, &erased)
	if erased.Status != rights.StatusCompleted {
		t.Fatalf("CRM erase: %+v", erased)
	}
	if msg, err := crm.Request(rights.RPCPrefix+"export", []byte(`{"request_id":"embedded-export","subject":{"type":"tel","value":"`+callerNumber+`"}}`), 2*time.Second); err == nil {
		t.Fatalf("CRM export got a reply: %s", msg.Data)
	}
	wantViolation(t, crmErrs, "CRM publishing an export")
	if _, err := crm.SubscribeSync(audit.SubjectPrefix + ">"); err == nil {
		crm.Flush()
		wantViolation(t, crmErrs, "CRM reading the audit trail")
	}

	dpo, _ := permissionErrors(t, url, dpoUser)
	var exported rights.ExportResult
	rpc(t, dpo, "export", `{"request_id":"embedded-export","subject":{"type":"tel","value":"`+callerNumber+`"},"requested_by":"dpo"}`, &exported)
	if exported.Status != rights.StatusCompleted {
		t.Fatalf("DPO export: %+v", exported)
	}
	events, err := dpo.SubscribeSync(audit.SubjectPrefix + ">")
	if err != nil {
		t.Fatal(err)
	}
	dpo.Flush()
	js, err := jetstream.New(crm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(t.Context(), rights.RequestPrefix+"erase", []byte(`{"request_id":"embedded-durable","subject":{"type":"tel","value":"`+callerNumber+`"},"requested_by":"crm"}`)); err != nil {
		t.Fatalf("CRM durable erase: %v", err)
	}
	erasedEvent(t, events, "embedded-durable")

	desk, deskErrs := permissionErrors(t, url, deskUser)
	if err := desk.Publish(callctl.Subject("01JTESTRECEIPT0000000000000", consent.VerbPause), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Request(rights.RPCPrefix+"erase", []byte(`{}`), 2*time.Second); err == nil {
		t.Fatal("the desk's erase got a reply")
	}
	// The server reports violations in order: the first must be the erase's, not the
	// call control's.
	select {
	case err := <-deskErrs:
		if !strings.Contains(err.Error(), rights.RPCPrefix+"erase") {
			t.Fatalf("desk: %v, want the erase refused and the call control let through", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("desk publishing an erase: no permissions violation reported")
	}
}
