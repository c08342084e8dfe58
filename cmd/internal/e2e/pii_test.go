package e2e

import (
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/rights"
)

// numberForms are the ways the caller's number may be written; none may appear anywhere.
var numberForms = []string{"+4512345678", "4512345678", "12345678", "45 12 34 56 78", "12 34 56 78", "1234 5678", "%2B4512345678"}

// A caller is recorded, exports and erases their data (with a malformed request and a
// broken SIP message on the way), all at debug log level: afterwards no log line, no
// audit event, no reply, no /metrics line and no object key or JSON object holds the
// caller's or the called number in any common form.
func TestNoPersonalDataInLogsEventsMetricsOrKeys(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := agentFor(t, 1)
	gw := gatewaytest.Start(t, routeTo(agent))
	nc, _ := natsClient(t, gw.NATSURL())
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
	conn.Close()

	mustSucceed(t, "caller", placeGrantedCall(t, gw.Addr(), callerNumber, 1500))
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 1, waitLimit)

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
