package rights

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/consentgw/consentgw/consent"
)

// Limits of the query verbs.
const (
	// maxStatsDays bounds a stats request: it reads every receipt of its days.
	maxStatsDays = 366
	// defaultStatsDays is the range when a stats request names none: today and the six
	// days before.
	defaultStatsDays = 7
	defaultLimit     = 50
	maxLimit         = 1000
)

// digitRun is what sip/redact masks as a possible phone number: 6 or more digits, single
// spaces or dashes between them. A reason is stored and published as written, so it may
// not hold one.
var digitRun = regexp.MustCompile(`\+?\d(?:[ \-]?\d){5,}`)

// fieldsOf are the optional fields each verb takes besides request_id and requested_by;
// a field another verb takes is rejected, naming the verbs it belongs to.
var fieldsOf = map[Verb][]string{
	VerbErase:   {"subject", "scope", "call", "dry_run", "confirm"},
	VerbExport:  {"subject", "expires"},
	VerbLookup:  {"subject"},
	VerbHold:    {"subject", "call", "reason"},
	VerbRelease: {"subject", "call", "hold", "reason"},
	VerbHolds:   {},
	VerbStats:   {"from", "to", "route"},
	VerbStatus:  {"of", "state", "limit"},
}

// present lists the optional fields a request holds.
func (w *wireRequest) present() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"subject", w.Subject != nil}, {"expires", w.Expires != nil}, {"scope", w.Scope != nil},
		{"call", w.Call != nil}, {"dry_run", w.DryRun != nil}, {"confirm", w.Confirm != nil},
		{"reason", w.Reason != nil}, {"hold", w.Hold != nil}, {"from", w.From != nil}, {"to", w.To != nil},
		{"route", w.Route != nil}, {"of", w.Of != nil}, {"state", w.State != nil}, {"limit", w.Limit != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

func allowedFields(verb Verb, w *wireRequest) error {
	allowed, ok := fieldsOf[verb]
	if !ok {
		return reject("unknown verb: want erase, export, lookup, hold, release, holds, stats or status")
	}
	for _, f := range w.present() {
		if !slices.Contains(allowed, f) {
			return reject(fmt.Sprintf("%s applies to %s requests only", f, verbsTaking(f)))
		}
	}
	return nil
}

func verbsTaking(field string) string {
	var out []string
	for _, v := range Verbs {
		if slices.Contains(fieldsOf[v], field) {
			out = append(out, string(v))
		}
	}
	return strings.Join(out, " and ")
}

// decodeVerbFields checks what each verb needs, once allowedFields has let only its
// fields through.
func decodeVerbFields(verb Verb, w *wireRequest, r *Request) error {
	var err error
	if w.Call != nil {
		if r.Call, err = parseCall(*w.Call); err != nil {
			return err
		}
	}
	if w.Reason != nil {
		if r.Reason, err = printable("reason", strings.TrimSpace(*w.Reason), maxReasonLen); err != nil {
			return err
		}
		if digitRun.MatchString(r.Reason) {
			return reject("reason holds 6 or more digits in a row, which could be a phone number: it is kept and published, so name the case otherwise (e.g. 2026/114)")
		}
	}
	switch verb {
	case VerbErase:
		return decodeErase(w, r)
	case VerbExport:
		if w.Subject == nil {
			return reject("subject is missing")
		}
		if w.Expires != nil {
			d, err := time.ParseDuration(*w.Expires)
			if err != nil || d < minExpires || d > maxExpires {
				return reject(fmt.Sprintf("expires must be a duration from %v to %v, e.g. 24h", minExpires, maxExpires))
			}
			r.Expires = d
		}
	case VerbLookup:
		if w.Subject == nil {
			return reject("subject is missing")
		}
	case VerbHold:
		if (w.Subject == nil) == (w.Call == nil) {
			return reject("a hold names either a subject or a call")
		}
		if r.Reason == "" {
			return reject("reason is missing: say why the data must be kept (a case, a claim)")
		}
	case VerbRelease:
		return decodeRelease(w, r)
	case VerbStats:
		return decodeStats(w, r)
	case VerbStatus:
		return decodeStatus(w, r)
	}
	return nil
}

func decodeErase(w *wireRequest, r *Request) error {
	r.Scope = ScopeSubject
	if w.Scope != nil {
		switch s := Scope(*w.Scope); s {
		case ScopeSubject, ScopeRecordings, ScopeCall:
			r.Scope = s
		default:
			return reject("scope is unknown: want subject, recordings or call")
		}
	}
	switch {
	case r.Scope == ScopeCall && w.Call == nil:
		return reject("call is missing: an erase of scope call names a receipt or recording id")
	case r.Scope == ScopeCall && w.Subject != nil:
		return reject("an erase of scope call names a call, not a subject")
	case r.Scope != ScopeCall && w.Call != nil:
		return reject("call applies to erases of scope call only")
	case r.Scope != ScopeCall && w.Subject == nil:
		return reject("subject is missing")
	}
	r.DryRun = w.DryRun != nil && *w.DryRun
	r.Confirm = w.Confirm != nil && *w.Confirm
	return nil
}

func decodeRelease(w *wireRequest, r *Request) error {
	n := 0
	for _, set := range []bool{w.Subject != nil, w.Call != nil, w.Hold != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return reject("a release names one of hold (a hold's id), subject or call")
	}
	if w.Hold != nil {
		if !validID(*w.Hold) {
			return reject("hold must be the request_id that placed the hold")
		}
		r.Hold = *w.Hold
	}
	return nil
}

func decodeStats(w *wireRequest, r *Request) error {
	day := func(field string, s *string) (time.Time, error) {
		t, err := time.Parse(time.DateOnly, *s)
		if err != nil {
			return time.Time{}, reject(field + " must be a day like 2026-11-23")
		}
		return t, nil
	}
	var err error
	if w.To != nil {
		if r.To, err = day("to", w.To); err != nil {
			return err
		}
	}
	if w.From != nil {
		if r.From, err = day("from", w.From); err != nil {
			return err
		}
	}
	if !r.To.IsZero() && !r.From.IsZero() {
		switch days := int(r.To.Sub(r.From)/(24*time.Hour)) + 1; {
		case days < 1:
			return reject("from is after to")
		case days > maxStatsDays:
			return reject(fmt.Sprintf("from and to span %d days, more than %d", days, maxStatsDays))
		}
	}
	if w.Route != nil {
		route, err := printable("route", *w.Route, maxByLen)
		if err != nil {
			return err
		}
		r.Route = route
	}
	return nil
}

// States a status request may ask for.
var states = []string{StatePending, StateRunning, StateRetrying, StateFailed, StateRejected, StateCompleted, StatePartial}

func decodeStatus(w *wireRequest, r *Request) error {
	if w.Of != nil {
		if !validID(*w.Of) {
			return reject("of must be a request_id")
		}
		r.Of = *w.Of
	}
	if w.State != nil {
		if !slices.Contains(states, *w.State) {
			return reject("state is unknown: want " + strings.Join(states, ", "))
		}
		r.State = *w.State
	}
	r.Limit = defaultLimit
	if w.Limit != nil {
		if *w.Limit < 1 || *w.Limit > maxLimit {
			return reject(fmt.Sprintf("limit must be from 1 to %d", maxLimit))
		}
		r.Limit = *w.Limit
	}
	return nil
}

// parseCall accepts a call's id (the ULID its receipt and recording share) or the key of
// its receipt or recording, and returns the id.
func parseCall(s string) (string, error) {
	id := strings.TrimSpace(s)
	if strings.Contains(id, "/") {
		base := path.Base(id)
		id = strings.TrimSuffix(base, path.Ext(base))
	}
	if _, err := consent.IDTime(id); err != nil {
		return "", reject("call must be a receipt or recording id (26 characters), or its object key")
	}
	return strings.ToUpper(id), nil
}
