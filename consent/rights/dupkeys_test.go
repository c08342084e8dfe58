package rights

import "testing"

func TestDuplicateKeyLooksInEveryObjectOnly(t *testing.T) {
	cases := map[string]string{
		`{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}`: "", // the same key in different objects
		`{"a":[1,{"x":1,"x":2}]}`:                   "x",
		`{"a":{"b":{}},"a":1}`:                      "a",
		`{"a":"b","b":"a"}`:                         "", // a value equal to a key
		`[{"a":1},{"a":1}]`:                         "",
	}
	for in, want := range cases {
		if got := duplicateKey([]byte(in)); got != want {
			t.Errorf("duplicateKey(%s) = %q, want %q", in, got, want)
		}
	}
}
