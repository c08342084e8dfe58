package rights

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/consentgw/consentgw/storage"
)

// StatusResult lists requests and their state, newest first.
type StatusResult struct {
	RequestID string         `json:"request_id"`
	Status    string         `json:"status"`
	Requests  []RequestState `json:"requests"`
}

// RequestState is one request as status reports it: from its record (requests/), or,
// for a durable request no gateway has started yet, from CONSENTGW_REQUESTS.
type RequestState struct {
	RequestID   string    `json:"request_id"`
	Verb        Verb      `json:"verb"`
	State       string    `json:"state"`
	SubjectKey  string    `json:"subject_key,omitempty"`
	Target      string    `json:"target,omitempty"`
	RequestedBy string    `json:"requested_by,omitempty"`
	Via         string    `json:"via,omitempty"`
	Attempts    int       `json:"attempts,omitempty"`
	Error       string    `json:"error,omitempty"`
	Created     time.Time `json:"created,omitzero"`
	Updated     time.Time `json:"updated,omitzero"`
}

// maxQueuedLookups bounds the records status reads for queued requests.
const maxQueuedLookups = 100

// queued is a durable request still in the stream: waiting, in progress or retrying.
type queued struct {
	verb string
	data []byte
	at   time.Time
}

type queueLister interface {
	queued(ctx context.Context, limit int) ([]queued, error)
}

// Status lists the newest requests (req.Limit), or the one req.Of names, with their
// state. Only recorded verbs have a state; rejected requests that never had a valid
// request_id are in the audit trail (request.rejected) only.
func (s *Service) Status(ctx context.Context, req Request) (StatusResult, error) {
	limit := cmp.Or(req.Limit, defaultLimit)
	byID := map[string]*RequestState{}
	if s.queue != nil {
		q, err := s.queue.queued(ctx, maxLimit)
		if err != nil {
			return StatusResult{}, err
		}
		for _, m := range q {
			st := s.queuedState(m)
			if req.Of == "" || st.RequestID == req.Of {
				byID[st.RequestID] = &st
			}
		}
	}
	recs, err := s.recentRecords(ctx, req.Of, limit)
	if err != nil {
		return StatusResult{}, err
	}
	// A queued request older than the newest records may still have one (retrying).
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.RequestID] = true
	}
	for id := range byID {
		if seen[id] || len(recs) > limit+maxQueuedLookups {
			continue
		}
		if r, err := s.loadRecord(ctx, id); err == nil && r != nil {
			recs = append(recs, r)
		}
	}
	for _, r := range recs {
		byID[r.RequestID] = &RequestState{
			RequestID: r.RequestID, Verb: r.Verb, State: r.state(), SubjectKey: r.SubjectKey, Target: r.Target,
			RequestedBy: r.RequestedBy, Via: r.Via, Attempts: r.Attempts, Error: r.Error, Created: r.Created, Updated: r.Updated,
		}
	}
	res := StatusResult{RequestID: req.RequestID, Status: StatusCompleted, Requests: []RequestState{}}
	for _, st := range byID {
		if req.State == "" || st.State == req.State {
			res.Requests = append(res.Requests, *st)
		}
	}
	slices.SortFunc(res.Requests, func(a, b RequestState) int {
		return cmp.Or(b.Updated.Compare(a.Updated), cmp.Compare(a.RequestID, b.RequestID))
	})
	if len(res.Requests) > limit {
		res.Requests = res.Requests[:limit]
	}
	return res, nil
}

// queuedState reads a queued request as a handler would, without echoing its subject.
func (s *Service) queuedState(m queued) RequestState {
	st := RequestState{Verb: Verb(m.verb), State: StatePending, Via: ViaDurable, Updated: m.at, Created: m.at}
	verb, err := ParseVerb(m.verb)
	if err == nil {
		var req Request
		if req, err = Decode(verb, m.data); err == nil {
			st.RequestID, st.RequestedBy = req.RequestID, req.RequestedBy
			if req.Subject.Value != "" {
				st.SubjectKey, _ = s.resolve(req)
			}
		}
	}
	if err != nil {
		st.RequestID, st.RequestedBy = bestEffort(m.data)
		st.Error = "will be rejected: " + err.Error()
	}
	return st
}

// recentRecords reads the newest records (by the store's time of their last change), or
// the one of request id of.
func (s *Service) recentRecords(ctx context.Context, of string, limit int) ([]*record, error) {
	if of != "" {
		r, err := s.loadRecord(ctx, of)
		if err != nil || r == nil {
			return nil, err
		}
		return []*record{r}, nil
	}
	objs, err := s.o.Store.List(ctx, recordPrefix)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(objs, func(a, b storage.ObjectInfo) int { return b.Modified.Compare(a.Modified) })
	objs = slices.DeleteFunc(objs, func(o storage.ObjectInfo) bool { return !strings.HasSuffix(o.Key, ".json") })
	objs = objs[:min(len(objs), limit)]
	out := make([]*record, len(objs))
	var mu sync.Mutex
	err = s.parallel(ctx, len(objs), func(ctx context.Context, i int) error {
		r, err := s.readRecord(ctx, objs[i].Key)
		if err != nil {
			s.log.Warn("an unreadable request record is left out of status", "key", objs[i].Key, "error", err)
			return nil
		}
		mu.Lock()
		out[i] = r
		mu.Unlock()
		return nil
	})
	return slices.DeleteFunc(out, func(r *record) bool { return r == nil }), err
}
