package rights

import (
	"maps"
	"slices"
	"strings"

	"github.com/consentgw/consentgw/consent"
)

// plan is everything an erase found of a subject: per call, the objects and the index
// entries of every party of it (an erased caller's receipt no longer backs the agent's
// entry for that call either), plus the subject's export bundles and anything else
// under its index prefix.
type plan struct {
	Calls   map[string]*planCall `json:"calls"`
	Exports []string             `json:"exports,omitempty"`
	Other   []string             `json:"other,omitempty"`
}

type planCall struct {
	Receipt   string               `json:"receipt"`
	Recording string               `json:"recording,omitempty"`
	Metadata  string               `json:"metadata,omitempty"`
	Index     []string             `json:"index"`
	Subjects  []consent.SubjectRef `json:"subjects,omitempty"`
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
	}
	p.Exports = union(p.Exports, q.Exports)
	p.Other = union(p.Other, q.Other)
}

// counts fills the SPEC §6 numbers of r from the plan.
func (p *plan) counts(r *EraseResult) {
	for _, c := range p.Calls {
		if c.Recording != "" {
			r.RecordingsDeleted++
		}
		if c.Receipt != "" {
			r.ReceiptsDeleted++
		}
		r.IndexEntriesDeleted += len(c.Index)
	}
	r.ExportsDeleted = len(p.Exports)
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
