package s3

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/consentgw/consentgw/storage"
)

func TestExactReaderWithholdsLastBytesOfALongReader(t *testing.T) {
	cases := []struct {
		name    string
		content string
		size    int64
		want    string // what the reader hands over before failing or ending
		wantErr error
	}{
		{"Exact", "hello", 5, "hello", nil},
		{"Short", "hel", 5, "", storage.ErrSizeMismatch},
		{"LongByOne", "hello!", 5, "", storage.ErrSizeMismatch},
		{"Empty", "", 0, "", nil},
		{"EmptyButLong", "x", 0, "", storage.ErrSizeMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// One byte per Read, so every boundary is crossed alone.
			e := &exactReader{r: iotest.OneByteReader(strings.NewReader(c.content)), size: c.size, left: c.size}
			got, err := io.ReadAll(e)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			// A mismatch must stop the stream before its last byte, or the
			// server would have a complete body and commit it.
			if c.wantErr != nil && int64(len(got)) >= c.size && c.size > 0 {
				t.Fatalf("handed over %d of %d bytes before failing", len(got), c.size)
			}
			if c.wantErr == nil && string(got) != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if c.wantErr != nil && !errors.Is(e.err, storage.ErrSizeMismatch) {
				t.Fatalf("sticky err = %v", e.err)
			}
		})
	}
}

func TestExpiryDaysRoundsUp(t *testing.T) {
	cases := []struct {
		retention string
		want      int
	}{
		{"1ns", 1},
		{"1h", 1},
		{"24h", 1},
		{"24h1s", 2},
		{"36h", 2},
		{"720h", 30},
	}
	for _, c := range cases {
		d, err := time.ParseDuration(c.retention)
		if err != nil {
			t.Fatal(err)
		}
		if got := expiryDays(d); got != c.want {
			t.Errorf("expiryDays(%s) = %d, want %d", c.retention, got, c.want)
		}
	}
}
