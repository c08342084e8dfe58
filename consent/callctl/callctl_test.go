package callctl

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
)

// node is one gateway's calls: the ids it holds, and the commands it got.
type node struct {
	mu   sync.Mutex
	held map[string]error
	got  []consent.Verb
}

func (n *node) Control(_ context.Context, id string, verb consent.Verb) (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	err, ok := n.held[id]
	if ok {
		n.got = append(n.got, verb)
	}
	return ok, err
}

func natsConn(t *testing.T) *nats.Conn {
	t.Helper()
	nc, _ := jetstreamtest.Start(t)
	return nc
}

func request(t *testing.T, nc *nats.Conn, subject string) (Reply, error) {
	t.Helper()
	msg, err := nc.Request(subject, nil, 2*time.Second)
	if err != nil {
		return Reply{}, err
	}
	var r Reply
	if err := json.Unmarshal(msg.Data, &r); err != nil {
		t.Fatalf("reply %q: %v", msg.Data, err)
	}
	return r, nil
}

func TestOnlyTheNodeHoldingTheCallAnswers(t *testing.T) {
	nc := natsConn(t)
	ids := consent.NewIDSource()
	mine, theirs, unrecorded := ids.New(time.Now()), ids.New(time.Now()), ids.New(time.Now())
	a := &node{held: map[string]error{mine: nil, unrecorded: consent.ErrNotRecorded}}
	b := &node{held: map[string]error{theirs: nil}}
	for _, n := range []*node{a, b} {
		l, err := Listen(nc, n, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
	}
	nc.Flush()

	if r, err := request(t, nc, Subject(mine, consent.VerbPause)); err != nil || r.Status != "ok" || r.ID != mine || r.Verb != "pause" {
		t.Fatalf("pause: %+v %v", r, err)
	}
	if r, err := request(t, nc, Subject(theirs, consent.VerbWithdraw)); err != nil || r.Status != "ok" {
		t.Fatalf("withdraw on the other node: %+v %v", r, err)
	}
	if r, err := request(t, nc, Subject(unrecorded, consent.VerbResume)); err != nil || r.Status != "rejected" || r.Error == "" {
		t.Fatalf("resume of an unrecorded call: %+v %v", r, err)
	}
	if len(a.got) != 2 || len(b.got) != 1 {
		t.Fatalf("node a got %v, node b got %v", a.got, b.got)
	}
	// Nobody holds this call: nobody answers.
	if _, err := request(t, nc, Subject(ids.New(time.Now()), consent.VerbPause)); !errors.Is(err, nats.ErrTimeout) {
		t.Fatalf("unknown call answered: %v", err)
	}
	// A malformed id is rejected without reaching any call.
	if r, err := request(t, nc, SubjectPrefix+"not-a-ulid.pause"); err != nil || r.Status != "rejected" {
		t.Fatalf("malformed id: %+v %v", r, err)
	}
}

func TestParseSubject(t *testing.T) {
	id := consent.NewIDSource().New(time.Now())
	if got, verb, err := ParseSubject(Subject(id, consent.VerbWithdraw)); err != nil || got != id || verb != consent.VerbWithdraw {
		t.Fatalf("%q %q %v", got, verb, err)
	}
	for _, s := range []string{
		"consentgw.calls." + id + ".hangup",
		"consentgw.calls." + id,
		"consentgw.calls." + id + ".pause.x",
		"consentgw.calls.01ARZ3NDEKTSV4RRFFQ69G5FA.pause", // 25 characters
		"consentgw.calls." + toLower(id) + ".pause",
		"consentgw.rpc.erase",
	} {
		if _, _, err := ParseSubject(s); !errors.Is(err, ErrBadSubject) {
			t.Errorf("ParseSubject(%q) = %v, want ErrBadSubject", s, err)
		}
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func FuzzParseSubject(f *testing.F) {
	f.Add("consentgw.calls.01ARZ3NDEKTSV4RRFFQ69G5FAV.pause")
	f.Add("consentgw.calls..")
	f.Fuzz(func(t *testing.T, s string) {
		id, verb, err := ParseSubject(s)
		if err == nil && (len(id) != 26 || !verb.Valid()) {
			t.Fatalf("accepted %q as %q %q", s, id, verb)
		}
	})
}
