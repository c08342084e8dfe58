package sipptest

import "testing"

func TestCleanErrorLog(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"empty", "", ""},
		{
			name: "hold loop jumps dropped, entries split",
			raw: "The following events occurred:\n" +
				"2026-11-23\t19:37:22.697503\t1795462642.697503: Call-Id: 1-1@127.0.0.1, receive timeout on message caller:10, jumping to label 11" +
				"2026-11-23\t19:37:23.384434\t1795462643.384434: Failed regexp match: looking in 'declined=granted'" +
				"2026-11-23\t19:37:23.490423\t1795462643.490423: Call-Id: 1-1@127.0.0.1, receive timeout on message caller:10, jumping to label 11",
			want: "The following events occurred:\n" +
				"2026-11-23\t19:37:23.384434\t1795462643.384434: Failed regexp match: looking in 'declined=granted'",
		},
		{"no stamps kept as is", "odd text\n", "odd text\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanErrorLog(tt.raw); got != tt.want {
				t.Errorf("cleanErrorLog =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
