package storage

import (
	"testing"
	"time"
)

func TestKeysUseTheUTCDay(t *testing.T) {
	// 00:30 in Copenhagen (CET) on 1 March is still 28 February in UTC;
	// 23:30 in New York on 31 Dec is already 1 January in UTC.
	cet := time.FixedZone("CET", 3600)
	est := time.FixedZone("EST", -5*3600)
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"recording before UTC midnight", RecordingKey(time.Date(2024, 3, 1, 0, 30, 0, 0, cet), "01A"), "recordings/2024/02/29/01A.wav"},
		{"recording meta after UTC midnight", RecordingMetaKey(time.Date(2024, 12, 31, 23, 30, 0, 0, est), "01B"), "recordings/2025/01/01/01B.json"},
		{"receipt at UTC midnight", ReceiptKey(time.Date(2025, 6, 7, 0, 0, 0, 0, time.UTC), "01C"), "consent/2025/06/07/01C.json"},
		{"receipt last nanosecond of day", ReceiptKey(time.Date(2025, 6, 7, 23, 59, 59, 999999999, time.UTC), "01D"), "consent/2025/06/07/01D.json"},
		{"index entry", IndexKey("ab12", "01E"), "subjects/ab12/01E.json"},
		{"index prefix", IndexPrefix("ab12"), "subjects/ab12/"},
		{"export", ExportKey("req-7"), "exports/req-7.zip"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
		if err := ValidKey(c.got); err != nil && c.name != "index prefix" {
			t.Errorf("%s: layout key %q is not valid: %v", c.name, c.got, err)
		}
	}
}
