package audit

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/consentgw/consentgw/consent/jetstreamtest"
)

const waitLimit = 30 * time.Second

func eventStream(t *testing.T) jetstream.JetStream {
	t.Helper()
	_, js := jetstreamtest.Start(t)
	if _, err := js.CreateOrUpdateStream(t.Context(), jetstream.StreamConfig{Name: Stream, Subjects: []string{SubjectPrefix + ">"}}); err != nil {
		t.Fatal(err)
	}
	return js
}

func readEvents(t *testing.T, js jetstream.JetStream, n int) []Event {
	t.Helper()
	cons, err := js.OrderedConsumer(t.Context(), Stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []Event
	for range n {
		msg, err := cons.Next(jetstream.FetchMaxWait(waitLimit))
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		var ev Event
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			t.Fatal(err)
		}
		if msg.Subject() != Subject(ev.Kind) {
			t.Errorf("event %s on subject %s", ev.Kind, msg.Subject())
		}
		out = append(out, ev)
	}
	return out
}

func TestEmittedAndPublishedEventsReachTheStreamInOrder(t *testing.T) {
	js := eventStream(t)
	p := New(Options{JS: js, Node: "gw-1"})
	p.Emit(KindConsentCaptured, map[string]string{"id": "01A"})
	p.Emit(KindRecordingStored, map[string]string{"id": "01A"})
	if err := p.Publish(t.Context(), KindSubjectErased, map[string]int{"recordings_deleted": 2}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := readEvents(t, js, 3)
	kinds := map[string]bool{}
	for _, ev := range got {
		kinds[ev.Kind] = true
		if ev.ID == "" || ev.Gateway != "gw-1" || ev.At.IsZero() || len(ev.Data) == 0 {
			t.Errorf("event %+v lacks its envelope", ev)
		}
	}
	for _, k := range []string{KindConsentCaptured, KindRecordingStored, KindSubjectErased} {
		if !kinds[k] {
			t.Errorf("no %s event in %+v", k, got)
		}
	}
	if p.Dropped() != 0 {
		t.Errorf("%d events dropped", p.Dropped())
	}
}

func TestEmitNeverBlocksAndCountsWhatItDrops(t *testing.T) {
	js := eventStream(t)
	p := New(Options{JS: js, Buffer: 1})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	p.Emit(KindConsentCaptured, 1) // after Close: dropped, not blocked
	if p.Dropped() != 1 {
		t.Fatalf("dropped %d, want 1", p.Dropped())
	}
}

func TestInvalidKindsAreRefused(t *testing.T) {
	js := eventStream(t)
	p := New(Options{JS: js})
	defer p.Close(context.Background())
	for _, k := range []string{"", "a b", "x.>", "*", ".a", "a."} {
		if err := p.Publish(t.Context(), k, 1); !errors.Is(err, ErrBadKind) {
			t.Errorf("Publish(%q) = %v, want ErrBadKind", k, err)
		}
	}
}

func TestABurstOfEventsArrivesWholeAndInOrder(t *testing.T) {
	js := eventStream(t)
	p := New(Options{JS: js, Node: "gw-1"})
	const n = 3*maxInFlight + 10 // several batches and a partial one
	for i := range n {
		p.Emit(KindRecordingStored, map[string]int{"n": i})
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Dropped() != 0 {
		t.Fatalf("%d events dropped", p.Dropped())
	}
	for i, ev := range readEvents(t, js, n) {
		var data struct{ N int }
		if err := json.Unmarshal(ev.Data, &data); err != nil || data.N != i {
			t.Fatalf("event %d carries %s, want n=%d", i, ev.Data, i)
		}
	}
}

// An event the stream refuses for good (here: larger than its message limit) is dropped
// and logged, and the events after it are stored: a refusal is no outage to wait out.
func TestAnEventTheStreamRefusesIsDroppedAndTheRestGoOn(t *testing.T) {
	js := eventStream(t)
	if _, err := js.UpdateStream(t.Context(), jetstream.StreamConfig{Name: Stream, Subjects: []string{SubjectPrefix + ">"}, MaxMsgSize: 512}); err != nil {
		t.Fatal(err)
	}
	p := New(Options{JS: js, Node: "gw-1"})
	p.Emit(KindRecordingStored, map[string]string{"pad": string(make([]byte, 1024))})
	p.Emit(KindRecordingStored, map[string]int{"n": 2})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Dropped() != 1 || p.Unconfirmed() != 0 {
		t.Fatalf("dropped %d, unconfirmed %d; want the large event dropped", p.Dropped(), p.Unconfirmed())
	}
	if ev := readEvents(t, js, 1); string(ev[0].Data) != `{"n":2}` {
		t.Fatalf("stored %s, want the small event", ev[0].Data)
	}
}
