package split

import "time"

// interDigit is the longest gap between the keys of one withdraw sequence (e.g. "*9"):
// keys further apart start over, so stray presses long ago do not add up.
const interDigit = 3 * time.Second

// sequence finds a key sequence in the caller's presses.
type sequence struct {
	want string
	got  []byte
	last time.Time
}

// push adds one key pressed at now and reports whether the last keys are the sequence.
func (q *sequence) push(key byte, now time.Time) bool {
	if q.want == "" {
		return false
	}
	if now.Sub(q.last) > interDigit {
		q.got = q.got[:0]
	}
	q.last = now
	q.got = append(q.got, key)
	if len(q.got) > len(q.want) {
		q.got = append(q.got[:0], q.got[len(q.got)-len(q.want):]...)
	}
	if string(q.got) == q.want {
		q.got = q.got[:0]
		return true
	}
	return false
}

// reset forgets the keys so far (a pause began: what follows is private).
func (q *sequence) reset() { q.got = q.got[:0] }
