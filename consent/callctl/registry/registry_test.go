package registry

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/consent/jetstreamtest"
)

const (
	keyA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	keyB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	id1  = "01JZ0000000000000000000001"
	id2  = "01JZ0000000000000000000002"
)

func openOn(t *testing.T, js jetstream.JetStream, node string, ttl time.Duration) *Registry {
	t.Helper()
	r, err := Open(t.Context(), Options{JS: js, Node: node, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(context.Background(), true) })
	return r
}

// jetStream runs an embedded nats-server with JetStream until the test ends.
func jetStream(t *testing.T) jetstream.JetStream {
	t.Helper()
	_, js := jetstreamtest.Start(t)
	return js
}

// waitHolders waits until the registry names exactly want as the subject's holders.
func waitHolders(t *testing.T, r *Registry, subjectKey string, want ...string) {
	t.Helper()
	slices.Sort(want)
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := r.Holders(t.Context(), subjectKey)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("holders of %s… = %v, want %v", subjectKey[:4], got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHoldersAreTheNodesWithACallOfTheSubject(t *testing.T) {
	js := jetStream(t)
	a := openOn(t, js, "gw-a", 0)
	b := openOn(t, js, "gw-b", 0)
	a.Hold(id1, []string{keyA, keyB})
	b.Hold(id2, []string{keyA})
	waitHolders(t, a, keyA, "gw-a", "gw-b")
	waitHolders(t, b, keyB, "gw-a")

	a.Release(id1)
	waitHolders(t, b, keyB)
	waitHolders(t, b, keyA, "gw-b")
	if got, err := a.CallHolders(t.Context(), id2); err != nil || !slices.Equal(got, []string{"gw-b"}) {
		t.Fatalf("holders of call %s = %v, %v; want gw-b", id2, got, err)
	}
	if got, err := a.CallHolders(t.Context(), id1); err != nil || len(got) != 0 {
		t.Fatalf("holders of the ended call %s = %v, %v; want none", id1, got, err)
	}
}

// A node that stops rewriting its entries (it died) stops being named after the TTL; a
// live one stays named across many TTLs.
func TestEntriesOfANodeThatDiesExpire(t *testing.T) {
	js := jetStream(t)
	const ttl = time.Second
	alive := openOn(t, js, "gw-a", ttl)
	dead := openOn(t, js, "gw-b", ttl)
	alive.Hold(id1, []string{keyA})
	dead.Hold(id2, []string{keyA})
	waitHolders(t, alive, keyA, "gw-a", "gw-b")
	liveKey := subjectPrefix(keyA) + "gw-a." + id1
	first, err := alive.kv.Get(t.Context(), liveKey)
	if err != nil {
		t.Fatal(err)
	}

	// gw-b dies: its writer stops without deleting anything.
	dead.cancel()
	<-dead.stopped
	waitHolders(t, alive, keyA, "gw-a")
	// gw-a rewrote its entry meanwhile: the TTL passed for gw-b's.
	e, err := alive.kv.Get(t.Context(), liveKey)
	if err != nil || e.Revision() <= first.Revision() {
		t.Fatalf("live entry: %v, %v; want it rewritten while gw-b's expired", e, err)
	}
}

// A stop with the spool uploaded deletes the node's entries at once: a drained node is
// not named by the next erase. A stop that leaves audio in the spool keeps them.
func TestCloseDeletesTheNodesEntriesWhenItHoldsNothing(t *testing.T) {
	js := jetStream(t)
	kept := openOn(t, js, "gw-k", 0)
	kept.Hold(id2, []string{keyB})
	a := openOn(t, js, "gw-a", 0)
	b := openOn(t, js, "gw-b", 0)
	a.Hold(id1, []string{keyA})
	waitHolders(t, b, keyA, "gw-a")
	waitHolders(t, b, keyB, "gw-k")
	kept.Close(t.Context(), false)
	a.Close(t.Context(), true)
	if got, err := b.Holders(t.Context(), keyB); err != nil || !slices.Equal(got, []string{"gw-k"}) {
		t.Fatalf("holders after a stop with a full spool = %v, %v; want gw-k still", got, err)
	}
	got, err := b.Holders(t.Context(), keyA)
	if err != nil || len(got) != 0 {
		t.Fatalf("holders after Close = %v, %v; want none", got, err)
	}
	keys, err := b.kv.Keys(t.Context())
	if err == nil && slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(k, id1) }) {
		t.Fatalf("keys after Close: %v", keys)
	}
}

// A node back from a crash forgets the calls its earlier run held (its spool discard now
// reaches their audio), and keeps the calls it holds now.
func TestForgetDropsTheEntriesOfAnEarlierRun(t *testing.T) {
	js := jetStream(t)
	first := openOn(t, js, "gw-a", 0)
	first.Hold(id1, []string{keyA, keyB})
	waitHolders(t, first, keyB, "gw-a")
	first.cancel() // killed: nothing deleted
	<-first.stopped

	again := openOn(t, js, "gw-a", 0)
	again.Hold(id2, []string{keyA})
	waitHolders(t, again, keyA, "gw-a")
	again.Forget()
	waitHolders(t, again, keyB)
	waitHolders(t, again, keyA, "gw-a")
	if _, err := again.kv.Get(t.Context(), "call."+id1); err == nil {
		t.Errorf("call.%s left after Forget", id1)
	}
}
