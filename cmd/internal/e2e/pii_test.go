package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/subject"
)

// numberForms are the ways the caller's number may be written; none may appear anywhere.
var numberForms = []string{"+4512345678", "4512345678", "12345678", "45 12 34 56 78", "12 34 56 78", "1234 5678", "%2B4512345678"}

// A caller is recorded, exports and erases their data (with a malformed request, a
// broken SIP message and a stray response on the way), all at debug log level. The trunk
// puts the number in the Call-ID and in the display names of From and
// P-Asserted-Identity, and the stray response in its reason phrase. Afterwards no log
// line, no audit event, no reply, no /metrics line and no object key or JSON object holds
// the caller's or the called number in any common form; the logs and events name the
// call by the key of its Call-ID, which the operator computes with the gateway's key.
func TestNoPersonalDataInLogsEventsMetricsOrKeys(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := agentFor(t, 1)
	gw := gatewaytest.Start(t, routeTo(agent))
	nc, _ := jetstreamtest.Connect(t, gw.NATSURL())
	var mu sync.Mutex
	var wire []string // every event and reply as it crossed NATS
	record := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		wire = append(wire, s)
	}
	sub, err := nc.Subscribe(audit.SubjectPrefix+">", func(m *nats.Msg) { record(m.Subject + " " + string(m.Data)) })
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	// A message sipgo cannot parse: sipgo logs such messages whole.
	conn, err := net.Dial("udp", gw.Addr())
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("INVITE sip:" + calledNumber + "@127.0.0.1 SIP/2.0\r\nFrom: \"" + callerNumber + "\" <sip:" + callerNumber + "@h\r\nCSeq: x\r\n\r\n"))
	// A response to nothing the gateway sent, the number in its reason phrase and Call-ID.
	fmt.Fprintf(conn, "SIP/2.0 486 Call %s back\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-pii-stray\r\nFrom: <sip:a@h>;tag=1\r\n"+
		"To: <sip:b@h>;tag=2\r\nCall-ID: %s-stray@h\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", callerNumber, conn.LocalAddr(), callerNumber)
	conn.Close()

	mustSucceed(t, "caller", placeGrantedCallNamed(t, gw.Addr(), callerNumber))
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 1, waitLimit)
	callIDKey := checkCallIDKey(t, gw)

	var exp rights.ExportResult
	record(string(rpc(t, nc, "export", `{"request_id":"pii-export","subject":{"type":"tel","value":"+45 12 34 56 78"},"requested_by":"dpo"}`, &exp)))
	if exp.Status != rights.StatusCompleted || exp.Recordings != 1 {
		t.Fatalf("export reply %+v", exp)
	}
	record(string(rpc(t, nc, "erase", `{"request_id":"pii-bad","subject":{"type":"tel","value":"`+callerNumber+`"},"phone":"`+callerNumber+`"}`, nil)))
	var erased rights.EraseResult
	record(string(rpc(t, nc, "erase", `{"request_id":"pii-erase","subject":{"type":"tel","value":"`+callerNumber+`"},"requested_by":"dpo"}`, &erased)))
	if erased.Status != rights.StatusCompleted || erased.RecordingsDeleted != 1 {
		t.Fatalf("erase reply %+v", erased)
	}
	waitUntil(t, "subject.erased event", waitLimit, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(strings.Join(wire, "\n"), audit.Subject(audit.KindSubjectErased))
	})
	sub.Unsubscribe()

	mu.Lock()
	places := map[string]string{
		"log":      gw.Logs(),
		"NATS":     strings.Join(wire, "\n"),
		"/metrics": gw.Metrics(t),
	}
	mu.Unlock()
	var keys []string
	for _, key := range gw.Keys(t, "") {
		keys = append(keys, key)
		if strings.HasSuffix(key, ".json") {
			var doc any
			gw.ReadJSON(t, key, &doc)
			places["object "+key] = jsonText(t, doc)
		}
	}
	places["object keys"] = strings.Join(keys, "\n")
	if !strings.Contains(places["log"], "failed to parse") {
		t.Errorf("the broken SIP message left no log line: the test did not reach sipgo's parser log")
	}
	if !strings.Contains(places["log"], "stray SIP response dropped") {
		t.Errorf("the stray response left no log line: the test did not reach the gateway's handler")
	}
	if !strings.Contains(places["log"], "call_id_key="+callIDKey) || !strings.Contains(places["NATS"], `"sip_call_id_key":"`+callIDKey+`"`) {
		t.Errorf("the log or the consent.captured event does not name the call by its key %s", callIDKey)
	}
	for where, text := range places {
		for _, form := range append(numberForms, strings.TrimPrefix(calledNumber, "+")) {
			if i := strings.Index(text, form); i >= 0 {
				t.Errorf("%s holds %q: …%s…", where, form, text[max(0, i-80):min(len(text), i+80)])
			}
		}
	}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// placeGrantedCallNamed is placeGrantedCall from a trunk that writes the number into the
// Call-ID and the display names as well.
func placeGrantedCallNamed(t *testing.T, gwAddr, number string) *sipptest.Process {
	t.Helper()
	plain, err := os.ReadFile(sipptest.ScenarioPath("caller_rfc4733.xml"))
	if err != nil {
		t.Fatal(err)
	}
	named := strings.ReplaceAll(string(plain), "From: <sip:[caller]@", `From: "Jens [caller]" <sip:[caller]@`)
	named = strings.ReplaceAll(named, "P-Asserted-Identity: <sip:", `P-Asserted-Identity: "Jens Hansen [caller]" <sip:`)
	if named == string(plain) {
		t.Fatal("caller_rfc4733.xml no longer has the From and P-Asserted-Identity this test names")
	}
	scenario := filepath.Join(t.TempDir(), "caller_named.xml")
	if err := os.WriteFile(scenario, []byte(named), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := callerKeys(pcmu, "", map[string]string{
		"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "300",
		"dtmf_pcap": sipptest.DTMFPcap("1"), "hold": "1500",
	})
	keys["caller"] = number
	return sipptest.Start(t, sipptest.Options{Scenario: scenario, Remote: gwAddr, Timeout: waitLimit, Keys: keys,
		Args: []string{"-cid_str", number + "-%u-%p@%s"}})
}

// checkCallIDKey reads the call's receipt (before the erase removes it): it holds the raw
// Call-ID, which carries the number, and its key, which the gateway's HMAC key gives as
// consentgw pseudonym does. It returns the key.
func checkCallIDKey(t *testing.T, gw *gatewaytest.Gateway) string {
	t.Helper()
	receipts := gw.Receipts(t)
	if len(receipts) != 1 || receipts[0].SIPCallID != "" {
		t.Fatalf("want one receipt whose Call-ID is sealed only, got %+v", receipts)
	}
	r := receipts[0]
	// The Call-ID, which this trunk builds from the number, is kept sealed to the
	// caller's key: opened with it, it holds the number.
	callID, err := openCallID(t, gw, r)
	if err != nil || !strings.Contains(callID, strings.TrimPrefix(callerNumber, "+")) {
		t.Fatalf("the receipt's sealed Call-ID opens to %q (%v), want one that holds the number", callID, err)
	}
	key, err := subject.LoadKey(gw.Config.DataDir, gw.Config.Subjects.HMACKey)
	if err != nil {
		t.Fatal(err)
	}
	p, err := subject.NewPseudonymizer(key)
	if err != nil {
		t.Fatal(err)
	}
	if want := p.CallIDKey(callID); r.SIPCallIDKey != want {
		t.Fatalf("receipt names the call %q, want the key of its Call-ID %q", r.SIPCallIDKey, want)
	}
	return r.SIPCallIDKey
}
