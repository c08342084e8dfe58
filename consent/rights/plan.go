package rights

import (
	"maps"
	"slices"
	"strings"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/hold"
)

// plan is everything an erase found: per call, the objects and the index entries of
// every party of it (an erased caller's receipt no longer backs the agent's entry for
// that call either), plus the subject's export bundles and anything else under its
// index prefix. It is kept in the request's record while the erase runs, so a retry
// reports what an earlier attempt removed.
type plan struct {
	Calls   map[string]*planCall `json:"calls"`
	Exports []string             `json:"exports,omitempty"`
	Other   []string             `json:"other,omitempty"`
	// Versions counts the object versions removed so far; KeysDestroyed names the
	// encryption keys destroyed (KeyDestroyer).
	Versions      int      `json:"versions,omitempty"`
	KeysDestroyed []string `json:"keys_destroyed,omitempty"`
}

type planCall struct {
	Receipt   string               `json:"receipt"`
	Recording string               `json:"recording,omitempty"`
	Metadata  string               `json:"metadata,omitempty"`
	Index     []string             `json:"index"`
	Subjects  []consent.SubjectRef `json:"subjects,omitempty"`
	// Tombstone is what stays of the receipt for statistics (rights.erase_keeps:
	// statistics), chosen before anything is deleted so a retry writes the same one.
	Tombstone *tombstone `json:"tombstone,omitempty"`
}

func newPlan() *plan { return &plan{Calls: map[string]*planCall{}} }

func (p *plan) empty() bool {
	return len(p.Calls) == 0 && len(p.Exports) == 0 && len(p.Other) == 0
}

// merge adds q to p, so a retried erase still counts what an earlier attempt deleted.
func (p *plan) merge(q *plan) {
	if p.Calls == nil {
		p.Calls = map[string]*planCall{}
	}
	for id, c := range q.Calls {
		have, ok := p.Calls[id]
		if !ok {
			p.Calls[id] = c
			continue
		}
		have.Receipt = cmpOr(have.Receipt, c.Receipt)
		have.Recording = cmpOr(have.Recording, c.Recording)
		have.Metadata = cmpOr(have.Metadata, c.Metadata)
		have.Index = union(have.Index, c.Index)
		if len(have.Subjects) == 0 {
			have.Subjects = c.Subjects
		}
		if have.Tombstone == nil {
			have.Tombstone = c.Tombstone
		}
	}
	p.Exports = union(p.Exports, q.Exports)
	p.Other = union(p.Other, q.Other)
}

// narrow keeps what an erase of scope deletes: a recordings erase touches only calls
// with a recording, and leaves exports and other objects alone.
func (p *plan) narrow(scope Scope) {
	if scope != ScopeRecordings {
		return
	}
	for id, c := range p.Calls {
		if c.Recording == "" && c.Metadata == "" {
			delete(p.Calls, id)
		}
		c.Tombstone = nil
	}
	p.Exports, p.Other = nil, nil
}

// withoutHeld moves what holds cover out of p: calls under a hold (on the call or any of
// its parties), and, when the erased subject itself is held, everything.
func (p *plan) withoutHeld(holds *hold.Set, subjectKey string) []HeldItem {
	var held []HeldItem
	for _, h := range holds.Subject(subjectKey) {
		held = append(held, HeldItem{Hold: h.ID, On: hold.OnSubject, Reason: h.Reason})
	}
	if len(held) > 0 && subjectKey != "" {
		*p = *newPlan()
		return held
	}
	for _, id := range p.ids() {
		c := p.Calls[id]
		var keys []string
		for _, s := range c.Subjects {
			keys = append(keys, s.Key)
		}
		hs := holds.Call(id, keys)
		if len(hs) == 0 {
			continue
		}
		for _, h := range hs {
			held = append(held, HeldItem{Call: id, Hold: h.ID, On: h.Kind, Reason: h.Reason})
		}
		delete(p.Calls, id)
	}
	return held
}

// counts fills the numbers of r from the plan, for scope.
func (p *plan) counts(r *EraseCounts, scope Scope) {
	for _, c := range p.Calls {
		if c.Recording != "" {
			r.RecordingsDeleted++
		}
		if scope == ScopeRecordings {
			r.IndexEntriesUpdated += len(c.Index)
			continue
		}
		if c.Receipt != "" {
			r.ReceiptsDeleted++
			if c.Tombstone != nil {
				r.ReceiptsAnonymized++
			}
		}
		r.IndexEntriesDeleted += len(c.Index)
	}
	r.ExportsDeleted = len(p.Exports)
	r.VersionsRemoved = p.Versions
	r.KeysDestroyed = len(p.KeysDestroyed)
}

// deleted lists the keys the plan deletes for scope, sorted.
func (p *plan) deleted(scope Scope) []string {
	var out []string
	for _, c := range p.Calls {
		out = append(out, c.Recording, c.Metadata)
		if scope != ScopeRecordings {
			out = append(out, c.Receipt)
			out = append(out, c.Index...)
		}
	}
	out = append(append(out, p.Exports...), p.Other...)
	return slices.DeleteFunc(union(out, nil), func(k string) bool { return k == "" })
}

// recordings counts the calls whose recording the plan deletes.
func (p *plan) recordings() int {
	n := 0
	for _, c := range p.Calls {
		if c.Recording != "" {
			n++
		}
	}
	return n
}

// ids lists the calls in id (so time) order.
func (p *plan) ids() []string { return slices.Sorted(maps.Keys(p.Calls)) }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// deletable keeps an erase to the call data's own prefixes: a damaged or forged index
// entry must not steer it anywhere else in the store.
func deletable(key, prefix string) bool {
	return key != "" && strings.HasPrefix(key, prefix)
}
