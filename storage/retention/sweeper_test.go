package retention

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/local"
)

func TestSweepDeletesOnlyExpiredCallData(t *testing.T) {
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for _, key := range []string{"recordings/2026/01/01/A.wav", "consent/2026/01/01/A.json", "subjects/k/A.json", "exports/R.zip"} {
		if err := st.Put(ctx, key, strings.NewReader("x"), 1, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	s := &Sweeper{Store: st, MaxAge: time.Hour, Logger: slog.New(slog.DiscardHandler)}

	// Just stored: nothing is old enough.
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("fresh sweep deleted %d, %v", n, err)
	}
	// Two hours later the call data is gone; the export bundle has its own expiry.
	s.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if n, err := s.Sweep(ctx); err != nil || n != 3 {
		t.Fatalf("late sweep deleted %d, %v", n, err)
	}
	left, _ := st.List(ctx, "")
	if len(left) != 1 || left[0].Key != "exports/R.zip" {
		t.Fatalf("left %+v", left)
	}
}
