package sipptest

import "testing"

func TestSplitErrorLogPutsEachEntryOnALine(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"empty", "", ""},
		{
			name: "entries run together",
			raw: "The following events occurred:\n" +
				"2026-11-23\t19:37:23.384434\t1795462643.384434: Failed regexp match: looking in 'declined=granted'" +
				"2026-11-23\t19:37:24.490423\t1795462644.490423: agent timed out after '30.000' seconds\n",
			want: "The following events occurred:\n" +
				"2026-11-23\t19:37:23.384434\t1795462643.384434: Failed regexp match: looking in 'declined=granted'\n" +
				"2026-11-23\t19:37:24.490423\t1795462644.490423: agent timed out after '30.000' seconds",
		},
		{"no stamps kept as is", "odd text\n", "odd text\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitErrorLog(tt.raw); got != tt.want {
				t.Errorf("splitErrorLog =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
