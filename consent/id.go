package consent

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// IDSource hands out receipt and call IDs: ULIDs in their canonical form
// (26 upper-case Crockford base32 characters), so the string order is the
// time order. IDs from one source are strictly increasing, even within one
// millisecond and across goroutines. Use one source per process.
type IDSource struct {
	mu      sync.Mutex
	entropy *ulid.MonotonicEntropy
	lastMS  uint64
}

// NewIDSource returns a source seeded from crypto/rand.
func NewIDSource() *IDSource {
	return &IDSource{entropy: ulid.Monotonic(rand.Reader, 0)}
}

// New returns an ID whose timestamp is now, to the millisecond. If the clock
// steps back, the last timestamp is reused so IDs still sort in issue order.
func (s *IDSource) New(now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := ulid.Timestamp(now)
	if ms < s.lastMS || ms > ulid.MaxTime() {
		// A clock before 1970 wraps around to a time ULIDs cannot hold.
		ms = s.lastMS
	}
	for {
		id, err := ulid.New(ms, s.entropy)
		if err == nil {
			s.lastMS = ms
			return id.String()
		}
		if !errors.Is(err, ulid.ErrMonotonicOverflow) {
			// crypto/rand does not fail on supported platforms; a gateway
			// that cannot draw randomness cannot issue unique IDs either.
			panic(fmt.Sprintf("consent: drawing id entropy: %v", err))
		}
		// The millisecond's entropy space is spent: move to the next one.
		ms++
	}
}

// IDTime returns the timestamp encoded in an ID, e.g. to find the dated
// storage keys of a receipt from its ID alone.
func IDTime(id string) (time.Time, error) {
	u, err := ulid.ParseStrict(id)
	if err != nil {
		return time.Time{}, fmt.Errorf("parsing id: %w: %w", ErrInvalidID, err)
	}
	return ulid.Time(u.Time()).UTC(), nil
}
