package split

import "slices"

// DiscardSubject stops and discards the recordings of the calls in progress on this node
// that have subjectKey among their subjects (an erase arrived mid-call, SPEC §6), and
// marks the calls so nothing of them is stored afterwards. It returns how many
// recordings it discarded.
func (s *Splitter) DiscardSubject(subjectKey string) int {
	return s.discardLive(hasSubject(subjectKey), (*liveCall).erase, "subject erased during the call")
}

// DiscardSubjectRecordings stops and discards the recordings of the calls in progress on
// this node that have subjectKey among their subjects, and lets the calls' receipts be
// stored as usual (an erase of scope recordings). It returns how many it discarded.
func (s *Splitter) DiscardSubjectRecordings(subjectKey string) int {
	return s.discardLive(hasSubject(subjectKey),
		func(c *liveCall) (bool, error) { return c.discard("a subject's recordings were erased") }, "erased during the call")
}

// DiscardCall stops and discards the recording of one call in progress, and marks the
// call so nothing of it is stored afterwards (an erase of scope call).
func (s *Splitter) DiscardCall(id string) int {
	return s.discardLive(func(callID string, _ *liveCall) bool { return callID == id }, (*liveCall).erase, "erased during the call")
}

func hasSubject(key string) func(string, *liveCall) bool {
	return func(_ string, c *liveCall) bool { return slices.Contains(c.subjects, key) }
}

// discardLive discards the recordings of the live calls that match; why ends the log
// line of each.
func (s *Splitter) discardLive(match func(id string, c *liveCall) bool, discard func(*liveCall) (bool, error), why string) int {
	n := 0
	s.live.Range(func(k, v any) bool {
		id, c := k.(string), v.(*liveCall)
		if !match(id, c) {
			return true
		}
		ok, err := discard(c)
		if err != nil {
			s.opts.Logger.Error("discarding an erased recording failed", "consent_id", id, "error", err)
		}
		if ok {
			s.opts.Logger.Info("recording discarded: "+why, "consent_id", id)
			n++
		}
		return true
	})
	return n
}
