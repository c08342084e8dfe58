package split

import (
	"testing"
	"time"
)

func TestWithdrawSequence(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cases := []struct {
		name  string
		keys  string
		gaps  time.Duration
		match bool
	}{
		{"the sequence", "*9", time.Second / 2, true},
		{"after other keys", "12*9", time.Second / 2, true},
		{"wrong order", "9*", time.Second / 2, false},
		{"one key only", "*", time.Second / 2, false},
		{"too slow", "*9", 4 * time.Second, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := sequence{want: "*9"}
			matched := false
			for i := range len(c.keys) {
				matched = q.push(c.keys[i], t0.Add(time.Duration(i)*c.gaps))
			}
			if matched != c.match {
				t.Fatalf("%q matched %v, want %v", c.keys, matched, c.match)
			}
		})
	}
	if (&sequence{}).push('1', t0) {
		t.Fatal("an empty sequence matched")
	}
}
