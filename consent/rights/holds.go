package rights

import (
	"context"
	"fmt"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/hold"
	"github.com/consentgw/consentgw/consent/subject"
)

// holdTarget resolves what a hold or release request names.
func (s *Service) holdTarget(req Request) (hold.Target, error) {
	if req.Call != "" {
		return hold.Target{Kind: hold.OnCall, Call: req.Call}, nil
	}
	key, err := s.resolve(req)
	if err != nil {
		return hold.Target{}, err
	}
	return hold.Target{Kind: hold.OnSubject, SubjectType: string(req.Subject.Type), SubjectKey: key}, nil
}

func targetName(t hold.Target) string {
	if t.Kind == hold.OnCall {
		return "call:" + t.Call
	}
	return "subject"
}

// Hold places a legal hold (see hold): what it covers is neither erased nor expired.
func (s *Service) Hold(ctx context.Context, req Request) (HoldResult, error) {
	return s.hold(ctx, req, ViaDirect)
}

func (s *Service) hold(ctx context.Context, req Request, via string) (HoldResult, error) {
	t, err := s.holdTarget(req)
	if err != nil {
		return HoldResult{}, err
	}
	return once(ctx, s, job[HoldResult]{
		verb: VerbHold, req: req, via: via, subjectKey: t.SubjectKey, target: targetName(t),
		kind:   func(HoldResult) string { return audit.KindHoldPlaced },
		status: func(HoldResult) string { return StatusCompleted },
		work: func(ctx context.Context, _ *record) (HoldResult, error) {
			if t.Kind == hold.OnCall {
				// A hold on a call that is not stored is a mistyped id, most likely.
				found, err := s.collectCall(ctx, t.Call)
				if err != nil {
					return HoldResult{}, err
				}
				if found.empty() {
					return HoldResult{}, reject("no call with this id is stored: check the receipt or recording id")
				}
			}
			h := hold.Hold{ID: req.RequestID, Target: t, Reason: req.Reason, RequestedBy: req.RequestedBy, PlacedAt: s.now()}
			if err := hold.Put(ctx, s.o.Store, h); err != nil {
				return HoldResult{}, err
			}
			s.holdsChanged()
			s.log.Info("legal hold placed", "hold", h.ID, "on", h.Kind, "subject", subject.Redact(h.SubjectKey), "call", h.Call)
			return HoldResult{RequestID: req.RequestID, Status: StatusCompleted, Hold: h, RequestedBy: req.RequestedBy, CompletedAt: s.now()}, nil
		},
	})
}

// Release lifts holds: the one a request names by id, or every hold on a subject or call.
func (s *Service) Release(ctx context.Context, req Request) (ReleaseResult, error) {
	return s.release(ctx, req, ViaDirect)
}

func (s *Service) release(ctx context.Context, req Request, via string) (ReleaseResult, error) {
	var t hold.Target
	target := "hold:" + req.Hold
	if req.Hold == "" {
		var err error
		if t, err = s.holdTarget(req); err != nil {
			return ReleaseResult{}, err
		}
		target = targetName(t)
	}
	return once(ctx, s, job[ReleaseResult]{
		verb: VerbRelease, req: req, via: via, subjectKey: t.SubjectKey, target: target,
		kind:   func(ReleaseResult) string { return audit.KindHoldReleased },
		status: func(ReleaseResult) string { return StatusCompleted },
		work: func(ctx context.Context, _ *record) (ReleaseResult, error) {
			set, err := hold.Load(ctx, s.o.Store)
			if err != nil {
				return ReleaseResult{}, err
			}
			var lift []hold.Hold
			if req.Hold != "" {
				for _, h := range set.All {
					if h.ID == req.Hold {
						lift = append(lift, h)
					}
				}
			} else {
				lift = set.On(t)
			}
			if len(lift) == 0 {
				return ReleaseResult{}, reject("no hold in force matches: list them with consentgw holds")
			}
			for _, h := range lift {
				if err := s.o.Store.Delete(ctx, hold.Key(h.ID)); err != nil {
					return ReleaseResult{}, fmt.Errorf("releasing hold %s: %w", h.ID, err)
				}
				s.log.Info("legal hold released", "hold", h.ID, "on", h.Kind, "subject", subject.Redact(h.SubjectKey), "call", h.Call)
			}
			s.holdsChanged()
			return ReleaseResult{RequestID: req.RequestID, Status: StatusCompleted, Released: lift, Reason: req.Reason,
				RequestedBy: req.RequestedBy, CompletedAt: s.now()}, nil
		},
	})
}

// Holds lists the holds in force.
func (s *Service) Holds(ctx context.Context, req Request) (HoldsResult, error) {
	set, err := hold.Load(ctx, s.o.Store)
	if err != nil {
		return HoldsResult{}, err
	}
	res := HoldsResult{RequestID: req.RequestID, Status: StatusCompleted, Holds: set.All}
	if res.Holds == nil {
		res.Holds = []hold.Hold{}
	}
	return res, nil
}

func (s *Service) holdsChanged() {
	if s.o.HoldsChanged != nil {
		s.o.HoldsChanged()
	}
}
