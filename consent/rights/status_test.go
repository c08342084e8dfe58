package rights

import (
	"errors"
	"testing"
)

func TestStatusTellsFinishedFailedAndRejectedRequests(t *testing.T) {
	st := localStore(t)
	svc := newServiceWith(t, st, &sink{}, nil, func(o *Options) { o.Erase.MaxRecordings = 1 })
	people(t, st)
	if _, err := svc.Lookup(t.Context(), telRequest("s-lookup", aliceNumber)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Erase(t.Context(), telRequest("s-big", aliceNumber)); !errors.Is(err, ErrRejected) {
		t.Fatalf("erase over the limit: %v", err)
	}
	failing := newService(t, failingPut{st}, &sink{}, nil)
	if _, err := failing.Export(t.Context(), telRequest("s-export", aliceNumber)); err == nil {
		t.Fatal("export did not fail")
	}
	res, err := svc.Status(t.Context(), Request{RequestID: "st-1", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]RequestState{}
	for _, r := range res.Requests {
		got[r.RequestID] = r
	}
	for id, want := range map[string]string{"s-lookup": StateCompleted, "s-big": StateRejected, "s-export": StateFailed} {
		if r := got[id]; r.State != want || r.Attempts != 1 || r.Via != ViaDirect {
			t.Errorf("%s: %+v, want state %s after one attempt", id, r, want)
		}
	}
	if got["s-big"].Error == "" || got["s-lookup"].Error != "" {
		t.Errorf("errors: %+v", got)
	}
	one, err := svc.Status(t.Context(), Request{RequestID: "st-2", Of: "s-big", Limit: 10})
	if err != nil || len(one.Requests) != 1 || one.Requests[0].RequestID != "s-big" {
		t.Fatalf("status of one request: %+v, %v", one, err)
	}
	failed, err := svc.Status(t.Context(), Request{RequestID: "st-3", State: StateFailed, Limit: 10})
	if err != nil || len(failed.Requests) != 1 || failed.Requests[0].RequestID != "s-export" {
		t.Fatalf("status of failed requests: %+v, %v", failed, err)
	}
}
