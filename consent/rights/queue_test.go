package rights

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/consentgw/consentgw/consent/audit"
)

// Durable requests no gateway has started are pending in status, named by request id and
// subject key, never by the number they carry.
func TestStatusListsDurableRequestsWaitingForAGateway(t *testing.T) {
	_, js := natsServer(t)
	st := localStore(t)
	svc := newService(t, st, &sink{}, nil)
	svc.queue = &Listener{o: ListenOptions{JS: js}}
	for _, body := range []string{
		`{"request_id":"q-1","subject":{"type":"tel","value":"+4512345678"},"requested_by":"crm"}`,
		`{"request_id":"q-2","subject":{"type":"tel","value":"+4512345678"},"bogus":1}`,
	} {
		if _, err := js.Publish(t.Context(), RequestPrefix+"erase", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := svc.Status(t.Context(), Request{RequestID: "st", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Requests) != 2 {
		t.Fatalf("status %+v, want the two queued requests", res)
	}
	for _, r := range res.Requests {
		if r.State != StatePending || r.Verb != VerbErase || r.Via != ViaDurable {
			t.Errorf("queued request %+v", r)
		}
		if strings.Contains(r.Error+r.SubjectKey+r.RequestedBy, "12345678") {
			t.Errorf("status echoes the number: %+v", r)
		}
	}
	byID := map[string]RequestState{}
	for _, r := range res.Requests {
		byID[r.RequestID] = r
	}
	if byID["q-1"].SubjectKey != keyOf(t, "tel", aliceNumber) || byID["q-1"].RequestedBy != "crm" || byID["q-2"].Error == "" {
		t.Errorf("queued requests %+v", byID)
	}
}

// Questions about the present state are answered over RPC only: a durable one is
// rejected, not retried.
func TestDurableQueriesAreRejected(t *testing.T) {
	nc, js := natsServer(t)
	st := localStore(t)
	startNode(t, nc, js, st, "node-a")
	rejected := eventsOf(t, js, audit.KindRequestRejected)
	if _, err := js.Publish(t.Context(), RequestPrefix+"stats", []byte(`{"request_id":"durable-stats"}`)); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, rejected); !strings.Contains(string(ev.Data), "durable-stats") || !strings.Contains(string(ev.Data), "rpc.stats only") {
		t.Fatalf("request.rejected %s", ev.Data)
	}
	waitStreamEmpty(t, js)
	if reply := request(t, nc, RPCPrefix+"stats", `{"request_id":"rpc-stats"}`); reply["status"] != StatusCompleted {
		t.Fatalf("stats over RPC: %v", reply)
	}
}

// A gateway of an earlier version reads subject_key alone: only an erase of scope subject
// may carry it, so such a gateway ignores a narrower erase instead of dropping the
// subject's receipts.
func TestNarrowErasesDoNotLookLikeWholeOnesOnTheWire(t *testing.T) {
	key := strings.Repeat("a", 64)
	for _, tc := range []struct {
		target DiscardTarget
		old    bool // an earlier gateway acts on it
	}{
		{DiscardTarget{Scope: ScopeSubject, SubjectKey: key}, true},
		{DiscardTarget{Scope: ScopeRecordings, SubjectKey: key}, false},
		{DiscardTarget{Scope: ScopeCall, Call: "01JN0Z3Q8M5T7V9X1B3D5F7H9K"}, false},
	} {
		body, _ := json.Marshal(toControl(tc.target))
		var earlier struct {
			SubjectKey string `json:"subject_key"`
		}
		json.Unmarshal(body, &earlier)
		if (earlier.SubjectKey == key) != tc.old {
			t.Errorf("%s on the wire %s", tc.target.Scope, body)
		}
		var back controlRequest
		json.Unmarshal(body, &back)
		if back.target() != tc.target {
			t.Errorf("%s came back as %+v", body, back.target())
		}
	}
}
