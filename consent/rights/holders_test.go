package rights

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/subject"
)

// holdersOf is a HolderLookup that names the same nodes for every subject.
type holdersOf []string

func (h holdersOf) Holders(context.Context, string) ([]string, error)     { return h, nil }
func (h holdersOf) CallHolders(context.Context, string) ([]string, error) { return h, nil }

// serveNode answers the erase broadcast as node name would.
func serveNode(t *testing.T, nc *nats.Conn, name string) *counter {
	t.Helper()
	live := &counter{n: 1}
	sub, err := serveControl(nc, name, live, &counter{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	return live
}

func TestBroadcastNamesTheNodesThatConfirmed(t *testing.T) {
	nc, _ := natsServer(t)
	serveNode(t, nc, "gw-a")
	serveNode(t, nc, "gw-b")
	nc.Flush()
	d, err := Broadcast{Conn: nc, Holders: holdersOf{"gw-b"}}.Discard(t.Context(), DiscardTarget{Scope: ScopeSubject, SubjectKey: keyOf(t, subject.TypeTel, aliceNumber)})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(d.Names)
	if !slices.Equal(d.Names, []string{"gw-a", "gw-b"}) || d.Live != 2 {
		t.Fatalf("discarded %+v, want both nodes named, one live call each", d)
	}
}

// A node the registry names as holding a live call of the subject, and which does not
// answer, fails the erase: the store is not touched and the request is retried.
func TestEraseFailsWhileAHolderStaysSilent(t *testing.T) {
	nc, _ := natsServer(t)
	serveNode(t, nc, "gw-a")
	nc.Flush()
	st := localStore(t)
	alice, _ := people(t, st)
	svc := newService(t, st, &sink{}, Broadcast{Conn: nc, Holders: holdersOf{"gw-a", "gw-c"}})
	_, err := svc.Erase(t.Context(), Request{RequestID: "erase-silent", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}})
	if !errors.Is(err, ErrHolderSilent) || !strings.Contains(err.Error(), "gw-c") || strings.Contains(err.Error(), "gw-a") {
		t.Fatalf("Erase = %v, want %v naming gw-c only", err, ErrHolderSilent)
	}
	if !exists(t, st, alice[0].receiptKey()) {
		t.Error("the erase deleted objects although a holder never confirmed")
	}
}

// consentgw.rpc.<verb>.<node> is served by that node, not by the queue group.
func TestNodeRPCIsServedByThatNode(t *testing.T) {
	nc, js := natsServer(t)
	st := localStore(t)
	people(t, st)
	startNode(t, nc, js, st, "node-a")
	startNode(t, nc, js, st, "node-b")
	erased := eventsOf(t, js, audit.KindSubjectErased)
	for i, node := range []string{"node-b", "node-a", "node-b"} {
		id := "node-rpc-" + string(rune('1'+i))
		reply := request(t, nc, NodeRPCSubject(VerbErase, node), `{"request_id":"`+id+`","subject":{"type":"customer","value":"C-`+id+`"}}`)
		if reply["status"] != StatusCompleted {
			t.Fatalf("reply %v", reply)
		}
		if ev := nextEvent(t, erased); ev.Gateway != node {
			t.Errorf("request %s to %s done by %s", id, node, ev.Gateway)
		}
	}
}
