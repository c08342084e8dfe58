package hold

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgw/consentgw/storage/local"
)

func TestHoldsCoverTheirCallsAndSubjects(t *testing.T) {
	st, err := local.New(filepath.Join(t.TempDir(), "objects"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	for _, h := range []Hold{
		{ID: "case-1", Target: Target{Kind: OnSubject, SubjectType: "tel", SubjectKey: "aaaa"}, Reason: "claim 1", PlacedAt: now},
		{ID: "case-2", Target: Target{Kind: OnCall, Call: "01CALL"}, Reason: "claim 2", PlacedAt: now},
	} {
		if err := Put(t.Context(), st, h); err != nil {
			t.Fatal(err)
		}
	}
	set, err := Load(t.Context(), st)
	if err != nil || len(set.All) != 2 {
		t.Fatalf("Load = %+v, %v", set, err)
	}
	cases := []struct {
		call     string
		subjects []string
		want     int
	}{
		{"01OTHER", []string{"bbbb"}, 0},
		{"01OTHER", []string{"bbbb", "aaaa"}, 1}, // a party is held
		{"01CALL", nil, 1},
		{"01CALL", []string{"aaaa"}, 2},
	}
	for _, c := range cases {
		if got := set.Call(c.call, c.subjects); len(got) != c.want {
			t.Errorf("Call(%s, %v) = %v, want %d holds", c.call, c.subjects, got, c.want)
		}
	}
	if got := set.On(Target{Kind: OnSubject, SubjectKey: "aaaa"}); len(got) != 1 || got[0].Reason != "claim 1" {
		t.Errorf("On(subject) = %+v", got)
	}
	var none *Set
	if !none.Empty() || none.Call("x", []string{"aaaa"}) != nil {
		t.Error("a nil set holds something")
	}
}
