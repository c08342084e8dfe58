package split

import "slices"

// DiscardSubjectRecordings stops and discards the recordings of the calls in progress on
// this node that have subjectKey among their subjects, and lets the calls' receipts be
// stored as usual (an erase of scope recordings). It returns how many it discarded.
func (s *Splitter) DiscardSubjectRecordings(subjectKey string) int {
	return s.discardLive(func(_ string, c *liveCall) bool { return slices.Contains(c.subjects, subjectKey) },
		func(c *liveCall) (bool, error) { return c.discard("a subject's recordings were erased") })
}

// DiscardCall stops and discards the recording of one call in progress, and marks the
// call so nothing of it is stored afterwards (an erase of scope call).
func (s *Splitter) DiscardCall(id string) int {
	return s.discardLive(func(callID string, _ *liveCall) bool { return callID == id }, (*liveCall).erase)
}

func (s *Splitter) discardLive(match func(id string, c *liveCall) bool, discard func(*liveCall) (bool, error)) int {
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
			s.opts.Logger.Info("recording discarded: erased during the call", "consent_id", id)
			n++
		}
		return true
	})
	return n
}
